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
