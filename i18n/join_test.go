package i18n

import "testing"

func TestJoinSentences(t *testing.T) {
	tests := []struct {
		parts []string
		want  string
	}{
		{[]string{"IAM is busy.", "TLS failed."}, "IAM is busy. TLS failed."},
		{[]string{"IAM 繁忙。", "TLS 握手失败。"}, "IAM 繁忙。TLS 握手失败。"},
		{[]string{"IAM がビジー状態です。", "再試行しました。"}, "IAM がビジー状態です。再試行しました。"},
		{[]string{"IAM이 사용 중입니다.", "TLS 핸드셰이크에 실패했습니다."}, "IAM이 사용 중입니다. TLS 핸드셰이크에 실패했습니다."},
		// A server's English text ends a Japanese sentence: the next one
		// still gets its space.
		{[]string{"IAM が拒否しました: Provided API key could not be found.", "再試行しました。"}, "IAM が拒否しました: Provided API key could not be found. 再試行しました。"},
		{[]string{"", "one.", ""}, "one."},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := JoinSentences(tt.parts...); got != tt.want {
			t.Errorf("JoinSentences(%q) = %q, want %q", tt.parts, got, tt.want)
		}
	}
}

// TestCJKSpacing: in Chinese and Japanese a name from the catalog or a
// user sits beside the text with a space only where one side is Latin.
func TestCJKSpacing(t *testing.T) {
	tests := []struct {
		locale, id string
		data       map[string]any
		want       string
	}{
		{"ja_JP", "net_unreachable", map[string]any{"URL": "https://x", "Service": "VPC インスタンス・メタデータ・サービス"},
			"https://x の VPC インスタンス・メタデータ・サービスに接続できません。"},
		{"ja_JP", "net_unreachable", map[string]any{"URL": "https://x", "Service": "IAM"}, "https://x の IAM に接続できません。"},
		{"zh_Hans", "endpoint_invalid", map[string]any{"URL": "https://x", "Service": "VPC 实例元数据服务", "Source": "CLI 配置"},
			"VPC 实例元数据服务端点 https://x（来源：CLI 配置）不是有效的 URL。"},
		{"zh_Hant", "net_timeout", map[string]any{"URL": "https://x", "Service": "Resource Controller", "Timeout": "30 秒"},
			"https://x 上的 Resource Controller 未在 30 秒內回應。"},
		// Korean writes words apart: its spaces stay.
		{"ko_KR", "net_unreachable", map[string]any{"URL": "https://x", "Service": "VPC 인스턴스 메타데이터 서비스"},
			"VPC 인스턴스 메타데이터 서비스(https://x)에 연결할 수 없습니다."},
	}
	for _, tt := range tests {
		if got := New(tt.locale).T(tt.id, tt.data); got != tt.want {
			t.Errorf("%s %s = %q, want %q", tt.locale, tt.id, got, tt.want)
		}
	}
}
