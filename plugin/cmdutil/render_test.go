package cmdutil

import (
	"slices"
	"strings"
	"testing"

	"github.com/kp-token/kp-token/i18n"
	"github.com/kp-token/kp-token/plugin/failure"
)

// TestRenderFailureEscapesServerText: what fills a message (a server's
// message, an instance name) cannot break its line, and the failure's
// lines (what a failed 'setup' undid) and table rows (the instances that
// matched) keep their own line each but no control character: a hostile ID
// or name cannot rewrite "Not undone" into "Undone" with a carriage return
// or clear the screen.
func TestRenderFailureEscapesServerText(t *testing.T) {
	tr := i18n.New("en_US")
	f := failure.New("rc_failed", map[string]any{"Status": 500, "URL": "https://rc.example", "Message": "busy\nOK\x1b[2J"}).
		WithRemedy("rc_failed_remedy", nil)
	f.Lines = []failure.Line{
		{ID: "setup_undone", Data: map[string]any{"What": failure.Msg("setup_undo_serviceid"), "ID": "a"}},
		{ID: "setup_undo_failed", Data: map[string]any{"What": failure.Msg("setup_undo_serviceid"), "ID": "b\rUndone:     b\x1b]0;title\x07", "Command": "x"}},
	}
	ft := RenderFailure(tr, f)
	if strings.ContainsAny(ft.Cause, "\n\r\x1b") || !strings.Contains(ft.Cause, `busy\nOK\x1b[2J`) {
		t.Errorf("cause %q: the server's message broke out of its line", ft.Cause)
	}
	if want := `Undone: the service ID a was deleted.` + "\n" +
		`Not undone: the service ID b\rUndone:     b\x1b]0;title\a could not be deleted. Run 'x' to finish the deletion.`; ft.Extra != want {
		t.Errorf("extra %q, want %q", ft.Extra, want)
	}
	f.Lines = nil
	f.Table = &failure.Table{Header: []string{"label_name", "instance_col_guid", "instance_col_region", "instance_col_group"},
		Rows: [][]string{{"kp\rmain", "guid\x1b[2J", "us-south", "g"}}}
	if ft := RenderFailure(tr, f); strings.ContainsAny(ft.Extra, "\r\x1b") || strings.Count(ft.Extra, "\n") != 1 {
		t.Errorf("table %q: a row broke out of its line", ft.Extra)
	}
	msg := ft.Message(tr, false)
	if strings.ContainsAny(msg, "\r\x1b\a") {
		t.Errorf("message holds a raw control character: %q", msg)
	}
}

// TestInstanceTableIsAligned: every column of a failure's table starts at
// the same terminal column on every line, whatever the language of the
// header and the width of the names (Hangul and CJK take two columns).
func TestInstanceTableIsAligned(t *testing.T) {
	rows := [][]string{
		{"kp-prod", "aaaaaaaa-1111-4111-8111-111111111111", "us-south", "0be5ad401ae913d8ff665d92680664ed"},
		{"키-금고", "bbbbbbbb-2222-4222-8222-222222222222", "eu-de", "default"},
		{"密钥", "cccccccc-3333-4333-8333-333333333333", "jp-tok", "g"},
	}
	for _, locale := range []string{"en_US", "ko_KR", "zh_Hans", "de_DE"} {
		t.Run(locale, func(t *testing.T) {
			tr := i18n.New(locale)
			f := failure.New("instance_several", map[string]any{"Count": 3, "Region": "us-south"})
			f.Table = &failure.Table{Header: []string{"label_name", "instance_col_guid", "instance_col_region", "instance_col_group"}, Rows: rows}
			lines := strings.Split(RenderFailure(tr, f).Extra, "\n")
			if len(lines) != 4 {
				t.Fatalf("table:\n%s", strings.Join(lines, "\n"))
			}
			// Where each column starts, in terminal columns, on each line.
			cells := append([][]string{{tr.T("label_name"), tr.T("instance_col_guid"), tr.T("instance_col_region"), tr.T("instance_col_group")}}, rows...)
			var want []int
			for i, line := range lines {
				var starts []int
				rest := line
				for _, cell := range cells[i] {
					at := strings.Index(rest, cell)
					if at < 0 {
						t.Fatalf("line %q lacks %q", line, cell)
					}
					starts = append(starts, DisplayWidth(line[:len(line)-len(rest)+at]))
					rest = rest[at+len(cell):]
				}
				if strings.HasSuffix(line, " ") {
					t.Errorf("line %q ends with spaces", line)
				}
				if i == 0 {
					want = starts
				} else if !slices.Equal(starts, want) {
					t.Errorf("columns start at %v on line %d, at %v on the header:\n%s", starts, i, want, strings.Join(lines, "\n"))
				}
			}
		})
	}
}

// TestRenderFailureInEveryLanguage: a failure's parts are joined as each
// language writes sentences (a space after ". ", none after "。"), and the
// service a message names comes from the catalog in the user's language.
func TestRenderFailureInEveryLanguage(t *testing.T) {
	o := failure.Outage{Kind: failure.KindUnreachable, Service: failure.ServiceResourceController,
		URL: "https://rc.example", Seconds: "30", Reason: failure.ReasonTLS}
	tests := []struct {
		locale, cause string
	}{
		{"en_US", "kp-token could not reach the Resource Controller at https://rc.example. The TLS handshake failed."},
		{"de_DE", "Unter https://rc.example ist der Resource Controller nicht erreichbar. Der TLS-Handshake ist fehlgeschlagen."},
		{"ja_JP", "https://rc.example の Resource Controller に接続できません。TLS ハンドシェークが失敗しました。"},
		{"zh_Hans", "无法访问 https://rc.example 上的 Resource Controller。TLS 握手失败。"},
		{"zh_Hant", "無法連線至 https://rc.example 上的 Resource Controller。TLS 信號交換失敗。"},
	}
	for _, tt := range tests {
		t.Run(tt.locale, func(t *testing.T) {
			ft := RenderFailure(i18n.New(tt.locale), failure.NewOutage(o).WithNote("iam_shared_failure", 1))
			note := i18n.New(tt.locale).N("iam_shared_failure", 1, nil)
			if want := i18n.JoinSentences(tt.cause, note); ft.Cause != want || strings.Contains(ft.Cause, "。 ") {
				t.Errorf("cause %q\nwant  %q", ft.Cause, want)
			}
		})
	}
}
