package api_test

import (
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kp-token/kp-token/plugin/cmd/cmdtest"
	"github.com/kp-token/kp-token/plugin/iamtest"
)

// fixture is a host with Key Protect, the service ID's key in a file, and
// the flags that name the instance and the endpoint.
type fixture struct {
	h    *cmdtest.Host
	kp   *iamtest.KeyProtect
	args []string
}

func newFixture(t *testing.T) *fixture {
	h := cmdtest.New(t)
	kp := h.WithKP()
	key := "@" + h.Write("key", cmdtest.ServiceKey)
	return &fixture{h: h, kp: kp, args: []string{"--apikey", key, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", kp.URL}}
}

// api runs 'api' with the fixture's flags after args.
func (f *fixture) api(stdin string, args ...string) cmdtest.Result {
	f.h.T.Helper()
	return f.h.Run(stdin, append(append([]string{"api"}, args...), f.args...)...)
}

// last is the last request Key Protect saw.
func (f *fixture) last(t *testing.T) iamtest.KPRequest {
	t.Helper()
	reqs := f.kp.Requests()
	if len(reqs) == 0 {
		t.Fatal("Key Protect saw no request")
	}
	return reqs[len(reqs)-1]
}

func doc(t *testing.T, r cmdtest.Result) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal([]byte(r.Stdout), &m); err != nil {
		t.Fatalf("stdout is not one JSON document: %v\n%s", err, r)
	}
	return m
}

func resources(t *testing.T, m map[string]any) []any {
	t.Helper()
	list, ok := m["resources"].([]any)
	if !ok {
		t.Fatalf("no resources in %v", m)
	}
	return list
}

// TestAPIPageSteps are the page's three API steps: list the keys, create
// one, read it back.
func TestAPIPageSteps(t *testing.T) {
	f := newFixture(t)
	t.Run("list keys", func(t *testing.T) {
		r := f.api("", "/api/v2/keys")
		if r.Code != 0 || r.Stderr != "" || len(resources(t, doc(t, r))) != 3 {
			t.Fatalf("got:\n%s", r)
		}
		// Not a terminal: Key Protect's bytes as they came (its encoder's
		// compact form and final line break).
		if !strings.HasPrefix(r.Stdout, `{"metadata":{"collectionTotal":3,`) || strings.Count(r.Stdout, "\n") != 1 {
			t.Fatalf("stdout is not Key Protect's answer unchanged: %q", r.Stdout)
		}
		req := f.last(t)
		if req.Method != "GET" || req.Path != "/api/v2/keys" || req.Instance != cmdtest.InstanceID ||
			!strings.HasPrefix(req.Authorization, "Bearer ") || !f.h.IAM.Verify(strings.TrimPrefix(req.Authorization, "Bearer ")) ||
			req.Header.Get("Accept") != "application/json" || req.Body != "" {
			t.Fatalf("Key Protect saw %+v", req)
		}
		cmdtest.AssertNoSecrets(t, "output", r.Stdout+r.Stderr, strings.TrimPrefix(req.Authorization, "Bearer "), cmdtest.ServiceKey)
	})
	var created string
	t.Run("create a key", func(t *testing.T) {
		body := f.h.Write("key.json", `{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":1},`+
			`"resources":[{"type":"application/vnd.ibm.kms.key+json","name":"root-key","extractable":false}]}`)
		r := f.api("", "/api/v2/keys", "--data", "@"+body)
		list := resources(t, doc(t, r))
		if r.Code != 0 || len(list) != 1 {
			t.Fatalf("got:\n%s", r)
		}
		created, _ = list[0].(map[string]any)["id"].(string)
		req := f.last(t)
		if req.Method != "POST" || req.ContentType != "application/vnd.ibm.kms.key+json" || !strings.Contains(req.Body, `"root-key"`) {
			t.Fatalf("Key Protect saw %+v", req)
		}
		if n := len(f.kp.Keys(cmdtest.InstanceID)); n != 4 {
			t.Fatalf("the instance holds %d keys", n)
		}
	})
	t.Run("read it", func(t *testing.T) {
		r := f.api("", "/api/v2/keys/"+created, "--jq", ".resources[0].name")
		if r.Code != 0 || r.Stdout != "root-key\n" || f.last(t).Path != "/api/v2/keys/"+created {
			t.Fatalf("got:\n%s", r)
		}
	})
}

// TestAPIRefusals: an HTTP error is exit 1 with Key Protect's reason code
// and message as 'verify' renders them, and Key Protect's error document
// on stdout, as 'gh api' leaves it there for a script's --jq.
func TestAPIRefusals(t *testing.T) {
	f := newFixture(t)
	userKey := "@" + f.h.Write("userkey", cmdtest.UserKey)
	t.Run("unknown key", func(t *testing.T) {
		r := f.api("", "/api/v2/keys/nope")
		if r.Code != 1 || !strings.Contains(r.Stderr, "FAILED\nKey Protect answered HTTP 404: KEY_NOT_FOUND_ERR: Key does not exist") ||
			!strings.Contains(r.Stderr, "https://cloud.ibm.com/apidocs/key-protect") {
			t.Fatalf("got:\n%s", r)
		}
		var m map[string]any
		if json.Unmarshal([]byte(r.Stdout), &m) != nil || !strings.Contains(r.Stdout, `"code":"KEY_NOT_FOUND_ERR"`) {
			t.Fatalf("stdout is not Key Protect's error document:\n%s", r)
		}
	})
	t.Run("--jq reads the error document", func(t *testing.T) {
		r := f.api("", "/api/v2/keys/nope", "--jq", ".resources[0].reasons[0].code")
		if r.Code != 1 || r.Stdout != "KEY_NOT_FOUND_ERR\n" {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("no role on the instance", func(t *testing.T) {
		r := f.h.Run("", "api", "/api/v2/keys", "--apikey", userKey, "--instance-id", cmdtest.InstanceID, "--kp-endpoint", f.kp.URL)
		if r.Code != 1 || !strings.Contains(r.Stderr, "Key Protect refused access to the instance "+cmdtest.InstanceID+
			" (HTTP 401): the identity "+iamtest.User.Email+" has no Key Protect role on it.") ||
			!strings.Contains(r.Stderr, "ibmcloud iam service-policy-create") {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("unknown instance", func(t *testing.T) {
		r := f.h.Run("", "api", "/api/v2/keys", "--apikey", userKey, "--instance-id", "11111111-2222-4333-8444-555555555555", "--kp-endpoint", f.kp.URL)
		if r.Code != 1 || !strings.Contains(r.Stderr, "does not know the instance 11111111-2222-4333-8444-555555555555 (HTTP 404: INSTANCE_NOT_FOUND_ERR") {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("wrong content type", func(t *testing.T) {
		r := f.api("", "/api/v2/keys", "--data", `{"resources":[{"name":"k"}]}`)
		if r.Code != 1 || !strings.Contains(r.Stderr, "Key Protect answered HTTP 415: BAD_CONTENT_TYPE_ERR") || f.last(t).ContentType != "application/json" {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("a hostile reason is one escaped line", func(t *testing.T) {
		f.kp.Script(iamtest.Reply{Status: 400, ContentType: "application/json",
			Body: `{"resources":[{"errorMsg":"x","reasons":[{"code":"BAD\u001b[31m","message":"line\nOK"}]}]}`})
		r := f.api("", "/api/v2/keys")
		if r.Code != 1 || strings.Contains(r.Stderr, "\x1b") || !strings.Contains(r.Stderr, `BAD\x1b[31m: line\nOK`) {
			t.Fatalf("got:\n%q", r.Stderr)
		}
	})
	t.Run("a redirect is refused and not followed", func(t *testing.T) {
		var seen atomic.Int32
		elsewhere := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { seen.Add(1) }))
		defer elsewhere.Close()
		f.kp.Script(iamtest.Reply{Status: 302, Header: map[string]string{"Location": elsewhere.URL + "/api/v2/keys"}})
		r := f.api("", "/api/v2/keys")
		if r.Code != 1 || r.Stdout != "" || seen.Load() != 0 || !strings.Contains(r.Stderr, "redirect") {
			t.Fatalf("got (%d requests elsewhere):\n%s", seen.Load(), r)
		}
	})
}

// TestAPIForeignHosts: a URL is taken only on the Key Protect endpoint;
// anything else is incorrect usage, and neither that host nor Key Protect
// sees a request.
func TestAPIForeignHosts(t *testing.T) {
	f := newFixture(t)
	var seen atomic.Int32
	evil := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { seen.Add(1) }))
	defer evil.Close()
	u, _ := url.Parse(f.kp.URL)
	port := u.Port()
	l, _ := net.Listen("tcp", "127.0.0.1:0")
	otherPort := l.Addr().(*net.TCPAddr).Port
	l.Close()
	refused := []string{
		evil.URL + "/api/v2/keys",
		"http://127.0.0.1:" + port + "@" + strings.TrimPrefix(evil.URL, "http://") + "/api/v2/keys", // userinfo trick
		"http://user:pass@127.0.0.1:" + port + "/api/v2/keys",                                       // credentials in the URL
		"http://127.0.0.1:" + strconv.Itoa(otherPort) + "/api/v2/keys",                              // another port
		"https://127.0.0.1:" + port + "/api/v2/keys",                                                // https for http
		"http://localhost:" + port + "/api/v2/keys",                                                 // the same machine, another name
		"http://127.0.0.1.:" + port + "/api/v2/keys",                                                // a trailing dot
		"http://１２７.0.0.1:" + port + "/api/v2/keys",                                                 // full-width digits
		"http://127.0.0.1:" + port + "\u200b/api/v2/keys",                                           // a zero-width space
		"http://xn--80ak6aa92e.com/api/v2/keys",                                                     // an IDN lookalike
		"http://аpple.com/api/v2/keys",                                                              // Cyrillic а
		"//" + strings.TrimPrefix(evil.URL, "http://") + "/api/v2/keys",                             // no scheme
		"ftp://127.0.0.1:" + port + "/api/v2/keys",
		"/api/v2/keys#frag",
	}
	for _, target := range refused {
		t.Run(target, func(t *testing.T) {
			before := len(f.kp.Requests())
			r := f.api("", target)
			if r.Code != 2 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, "FAILED\n") {
				t.Fatalf("not refused:\n%s", r)
			}
			if strings.Contains(r.Stderr, "pass@") || strings.Contains(r.Stderr, ":pass") {
				t.Fatalf("the URL's password is repeated:\n%s", r)
			}
			if len(f.kp.Requests()) != before || seen.Load() != 0 {
				t.Fatalf("a request was sent (Key Protect %d, the other host %d)", len(f.kp.Requests())-before, seen.Load())
			}
		})
	}
	t.Run("the message names the host and the endpoint", func(t *testing.T) {
		r := f.api("", evil.URL+"/api/v2/keys?limit=1")
		cmdtest.ExpectFailure(t, r, 2, "The URL "+evil.URL+"/api/v2/keys is not on the Key Protect endpoint "+f.kp.URL+
			", the only place kp-token sends the token to; nothing was sent.", "Give the path alone")
	})
	for _, target := range []string{f.kp.URL + "/api/v2/keys", "HTTP://127.0.0.1:" + port + "/api/v2/keys?limit=1", "api/v2/keys"} {
		t.Run("accepted "+target, func(t *testing.T) {
			r := f.api("", target)
			if r.Code != 0 || f.last(t).Path != "/api/v2/keys" {
				t.Fatalf("got:\n%s", r)
			}
		})
	}
	t.Run("a usage mistake costs no token", func(t *testing.T) {
		before := f.h.IAM.Count()
		for _, args := range [][]string{{"/api/v2/keys", "--data", "{"}, {"/api/v2/keys", "-H", "Authorization: Bearer x"}, {"/api/v2/keys", "--jq", ".["}, {"ftp://x/y"}} {
			if r := f.api("", append(args, "--no-cache")...); r.Code != 2 {
				t.Fatalf("%v:\n%s", args, r)
			}
		}
		if n := f.h.IAM.Count() - before; n != 0 {
			t.Fatalf("IAM saw %d requests", n)
		}
	})
}

// TestAPIRequestOptions: -X, --data, -H, -i.
func TestAPIRequestOptions(t *testing.T) {
	f := newFixture(t)
	keyBody := `{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":1},"resources":[{"name":"from-stdin"}]}`
	t.Run("--data - reads standard input", func(t *testing.T) {
		r := f.api(keyBody, "/api/v2/keys", "--data", "-")
		if r.Code != 0 || !strings.Contains(f.last(t).Body, "from-stdin") {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("--data TEXT, -X post", func(t *testing.T) {
		r := f.api("", "/api/v2/keys", "-X", "post", "--data", strings.ReplaceAll(keyBody, "from-stdin", "from-text"))
		if r.Code != 0 || f.last(t).Method != "POST" || !strings.Contains(f.last(t).Body, "from-text") {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("-H sets a header, and the content type", func(t *testing.T) {
		r := f.api("", "/api/v2/keys", "-H", "Content-Type: application/vnd.ibm.kms.key+json", "-H", "correlation-id: 42",
			"--data", `{"metadata":{"collectionType":"x","collectionTotal":1},"resources":[{"name":"h"}]}`)
		req := f.last(t)
		// The collectionType "x" is not Key Protect's: Key Protect refuses
		// the body, after the header chose the content type.
		if r.Code != 1 || req.ContentType != "application/vnd.ibm.kms.key+json" || req.Header.Get("Correlation-Id") != "42" ||
			!strings.Contains(r.Stderr, "Key Protect refused the request (HTTP 400): BAD_BODY_ERR") {
			t.Fatalf("got %+v:\n%s", req, r)
		}
	})
	t.Run("-X HEAD and -i", func(t *testing.T) {
		r := f.api("", "/api/v2/keys", "-X", "HEAD", "-i")
		total := strconv.Itoa(len(f.kp.Keys(cmdtest.InstanceID)))
		if r.Code != 0 || r.Stdout != "" || !strings.HasPrefix(r.Stderr, "HTTP/1.1 200 OK\n") || !strings.Contains(r.Stderr, "\nKey-Total: "+total+"\n") {
			t.Fatalf("got:\n%s", r)
		}
		token := strings.TrimPrefix(f.last(t).Authorization, "Bearer ")
		if strings.Contains(r.Stderr, "Authorization") || strings.Contains(r.Stderr, "bluemix-instance") {
			t.Fatalf("-i shows request headers:\n%s", r)
		}
		cmdtest.AssertNoSecrets(t, "-i", r.Stderr, token)
	})
	t.Run("-i on a GET: headers on stderr, the answer alone on stdout", func(t *testing.T) {
		r := f.api("", "/api/v2/keys", "-i")
		if r.Code != 0 || !strings.Contains(r.Stderr, "Content-Type: application/json\n") || len(resources(t, doc(t, r))) != len(f.kp.Keys(cmdtest.InstanceID)) {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("-i escapes what the server sends", func(t *testing.T) {
		// Go's client refuses ASCII controls in headers; a bidi override
		// and a C1 CSI (UTF-8 in a header value) reach kp-token.
		f.kp.Script(iamtest.Reply{Status: 200, ContentType: "application/json", Body: "{}", Header: map[string]string{"X-Evil": "a\u202eb\u009b31m"}})
		r := f.api("", "/api/v2/keys", "-i")
		if r.Code != 0 || strings.ContainsAny(r.Stderr, "\u202e\u009b") || !strings.Contains(r.Stderr, `X-Evil: a\u202eb\u009b31m`) {
			t.Fatalf("got:\n%q", r.Stderr)
		}
	})
	t.Run("-i hides a token the server echoes", func(t *testing.T) {
		access, _ := f.h.LoginUser(time.Hour)
		f.kp.Script(iamtest.Reply{Status: 200, ContentType: "application/json", Body: "{}", Header: map[string]string{"X-Echo": "Bearer " + access}})
		r := f.h.Run("", "api", "/api/v2/keys", "-i", "--instance-id", cmdtest.InstanceID, "--kp-endpoint", f.kp.URL)
		if r.Code != 0 || !strings.Contains(r.Stderr, "X-Echo: Bearer [PRIVATE DATA HIDDEN]") {
			t.Fatalf("got:\n%s", r)
		}
		cmdtest.AssertNoSecrets(t, "stderr", r.Stderr, access)
	})
	usage := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no PATH", "", nil, "Give the PATH of the request, for example /api/v2/keys."},
		{"two paths", "", []string{"/a", "/b"}, "Give one PATH only"},
		{"unknown method", "", []string{"/api/v2/keys", "-X", "TRACE"}, "The method TRACE is not one of those kp-token api sends: GET, HEAD, POST, PUT, PATCH, DELETE."},
		{"a body on a GET", "", []string{"/api/v2/keys", "-X", "GET", "--data", "{}"}, "A GET request takes no body"},
		{"a body that is not JSON", "", []string{"/api/v2/keys", "--data", `{"a":}`}, "The body given with --data is not JSON (error at byte 6)."},
		{"an empty body", "", []string{"/api/v2/keys", "--data", ""}, "is not JSON"},
		{"Authorization", "", []string{"/api/v2/keys", "-H", "authorization: Bearer forged"}, "The header authorization is set by kp-token"},
		{"bluemix-instance", "", []string{"/api/v2/keys", "-H", "Bluemix-Instance: 7c9e6679-7425-40de-944b-e07fc1f90ae7"}, "The header Bluemix-Instance is set by kp-token"},
		{"a header without a colon", "", []string{"/api/v2/keys", "-H", "x-kms-key-ring"}, "The header x-kms-key-ring is not valid"},
		{"--paginate on a POST", "", []string{"/api/v2/keys", "--paginate", "--data", "{}"}, "--paginate reads collections with GET requests; the method here is POST."},
		{"--limit-pages alone", "", []string{"/api/v2/keys", "--limit-pages", "2"}, "--limit-pages is only used with --paginate."},
		{"two readers of stdin", "{}", []string{"/api/v2/keys", "--data", "-", "--apikey", "-"}, "--data - and --apikey - were both given"},
		{"a bad --jq", "", []string{"/api/v2/keys", "--jq", ".resources[]["}, "The --jq expression .resources[][ is not valid."},
	}
	for _, tt := range usage {
		t.Run(tt.name, func(t *testing.T) {
			before := len(f.kp.Requests())
			r := f.h.Run(tt.stdin, append(append([]string{"api"}, tt.args...), "--instance-id", cmdtest.InstanceID, "--kp-endpoint", f.kp.URL)...)
			cmdtest.ExpectFailure(t, r, 2, tt.want, "")
			if len(f.kp.Requests()) != before {
				t.Fatal("Key Protect saw a request")
			}
		})
	}
	t.Run("a body file that cannot be read", func(t *testing.T) {
		r := f.api("", "/api/v2/keys", "--data", "@"+f.h.Home+"/missing.json")
		cmdtest.ExpectFailure(t, r, 1, "The body file "+f.h.Home+"/missing.json cannot be read.", "Check that --data names a readable file")
	})
}

// TestAPISameTargetAsGetHeader: api sends the token and instance that 'get
// --output header' prints, from the same sources: KP_INSTANCE_ID and
// KP_ENDPOINT here, a name looked up with the Resource Controller below.
func TestAPISameTargetAsGetHeader(t *testing.T) {
	h := cmdtest.New(t)
	kp := h.WithKP()
	env := map[string]string{"KP_INSTANCE_ID": cmdtest.InstanceID, "KP_ENDPOINT": kp.URL, "IBMCLOUD_API_KEY": cmdtest.ServiceKey}
	header := h.RunEnv(env, "", "get", "--output", "header")
	r := h.RunEnv(env, "", "api", "/api/v2/keys")
	if header.Code != 0 || r.Code != 0 {
		t.Fatalf("get:\n%s\napi:\n%s", header, r)
	}
	req := kp.Requests()[len(kp.Requests())-1]
	if header.Stdout != "Authorization: "+req.Authorization+"\nbluemix-instance: "+req.Instance+"\n" {
		t.Fatalf("get --output header printed\n%s\nKey Protect saw %s / %s", header.Stdout, req.Authorization, req.Instance)
	}
	t.Run("an instance named, looked up", func(t *testing.T) {
		h.WithRC("en_US").Add(cmdtest.KPInstance(cmdtest.InstanceID, "kp-main", "us-south", "default"))
		kp.Allow(cmdtest.InstanceID, iamtest.User.IAMID)
		r := h.RunEnv(map[string]string{"KP_ENDPOINT": kp.URL}, "", "api", "/api/v2/keys", "--instance", "kp-main", "--jq", ".metadata.collectionTotal")
		if r.Code != 0 || r.Stdout != "3\n" || kp.Requests()[len(kp.Requests())-1].Instance != cmdtest.InstanceID {
			t.Fatalf("got:\n%s", r)
		}
	})
}

// TestAPIPaginate: every page, one document, memory for the answer only.
func TestAPIPaginate(t *testing.T) {
	f := newFixture(t)
	f.kp.AddInstance(cmdtest.InstanceID, 7)
	f.kp.Allow(cmdtest.InstanceID, iamtest.ServiceID.IAMID)
	ids := func(t *testing.T, r cmdtest.Result) string {
		t.Helper()
		m := doc(t, r)
		var got []string
		for _, k := range resources(t, m) {
			got = append(got, k.(map[string]any)["id"].(string))
		}
		if meta := m["metadata"].(map[string]any); meta["collectionTotal"] != float64(len(got)) ||
			meta["collectionType"] != iamtest.KeyType {
			t.Fatalf("metadata %v for %d resources", meta, len(got))
		}
		return strings.Join(got, ",")
	}
	pages := func(before int) []string {
		var q []string
		for _, r := range f.kp.Requests()[before:] {
			q = append(q, r.Query)
		}
		return q
	}
	t.Run("three pages", func(t *testing.T) {
		before := len(f.kp.Requests())
		r := f.api("", "/api/v2/keys?limit=3", "--paginate")
		if r.Code != 0 || ids(t, r) != "key-0000,key-0001,key-0002,key-0003,key-0004,key-0005,key-0006" {
			t.Fatalf("got:\n%s", r)
		}
		if got := strings.Join(pages(before), " "); got != "limit=3&offset=0 limit=3&offset=3 limit=3&offset=6" {
			t.Fatalf("pages asked: %s", got)
		}
	})
	t.Run("from an offset, pages of Key Protect's default size", func(t *testing.T) {
		before := len(f.kp.Requests())
		r := f.api("", "/api/v2/keys?offset=5", "--paginate")
		if r.Code != 0 || ids(t, r) != "key-0005,key-0006" || strings.Join(pages(before), " ") != "limit=200&offset=5" {
			t.Fatalf("got %v:\n%s", pages(before), r)
		}
	})
	t.Run("totalCount saves the empty last page", func(t *testing.T) {
		before := len(f.kp.Requests())
		r := f.api("", "/api/v2/keys?limit=7&totalCount=true", "--paginate", "--jq", ".resources | length")
		if r.Code != 0 || r.Stdout != "7\n" || len(pages(before)) != 1 {
			t.Fatalf("got %v:\n%s", pages(before), r)
		}
	})
	t.Run("--limit-pages", func(t *testing.T) {
		r := f.api("", "/api/v2/keys?limit=3", "--paginate", "--limit-pages", "2")
		cmdtest.ExpectFailure(t, r, 1, "The limit --limit-pages 2 was reached and more pages remain (resources read: 6); nothing was printed.", "Raise --limit-pages")
		if r := f.api("", "/api/v2/keys?limit=3", "--paginate", "--limit-pages", "3"); r.Code != 0 || len(resources(t, doc(t, r))) != 7 {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("not a collection: the answer as it is", func(t *testing.T) {
		r := f.api("", "/api/v2/keys/key-0003", "--paginate", "--jq", ".resources[0].name")
		if r.Code != 0 || r.Stdout != "key 3\n" {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("a page refused: its error, nothing else", func(t *testing.T) {
		f.kp.SetFault(iamtest.KPFault{Method: "GET", Skip: 1, Times: 1, Reply: iamtest.Reply{Status: 400, ContentType: "application/json",
			Body: `{"resources":[{"errorMsg":"Bad Request","reasons":[{"code":"BAD_PARAMETER_ERR","message":"offset"}]}]}`}})
		defer f.kp.SetFault(iamtest.KPFault{})
		r := f.api("", "/api/v2/keys?limit=3", "--paginate")
		if r.Code != 1 || strings.Contains(r.Stdout, "key-0000") || !strings.Contains(r.Stdout, "BAD_PARAMETER_ERR") ||
			!strings.Contains(r.Stderr, "HTTP 400): BAD_PARAMETER_ERR: offset") {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("-i shows each page", func(t *testing.T) {
		r := f.api("", "/api/v2/keys?limit=3", "--paginate", "-i")
		if r.Code != 0 || strings.Count(r.Stderr, "HTTP/1.1 200 OK\n") != 3 {
			t.Fatalf("got:\n%s", r)
		}
	})
	t.Run("a bad offset", func(t *testing.T) {
		r := f.api("", "/api/v2/keys?offset=x", "--paginate")
		cmdtest.ExpectFailure(t, r, 2, "/api/v2/keys?offset=x is not a path on the Key Protect endpoint", "")
	})
}

// TestAPIJQ: filters, their mistakes and their failures.
func TestAPIJQ(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		expr, stdout string
	}{
		{".resources[].id", "key-0000\nkey-0001\nkey-0002\n"},
		{".metadata", `{"collectionTotal":3,"collectionType":"application/vnd.ibm.kms.key+json"}` + "\n"},
		{"[.resources[] | select(.name == \"key 1\") | .id]", `["key-0001"]` + "\n"},
		{`.resources[] | "\(.id)  \(.name)"`, "key-0000  key 0\nkey-0001  key 1\nkey-0002  key 2\n"}, // README
		{"$ENV | length", "0\n"}, // no environment: IBMCLOUD_API_KEY could be there
		{"empty", ""},
	}
	for _, tt := range tests {
		t.Run(tt.expr, func(t *testing.T) {
			r := f.h.RunEnv(map[string]string{"IBMCLOUD_API_KEY": cmdtest.ServiceKey}, "", append([]string{"api", "/api/v2/keys", "--jq", tt.expr}, f.args...)...)
			if r.Code != 0 || r.Stdout != tt.stdout {
				t.Fatalf("got:\n%s", r)
			}
		})
	}
	t.Run("a failure at run time writes nothing", func(t *testing.T) {
		r := f.api("", "/api/v2/keys", "--jq", ".resources[].id, error(\"boom\")")
		cmdtest.ExpectFailure(t, r, 1, "The --jq expression failed on Key Protect's answer.", "run the command without --jq")
		if !strings.Contains(r.Stderr, "boom") {
			t.Fatalf("the detail is missing:\n%s", r)
		}
	})
	t.Run("an answer that is not JSON", func(t *testing.T) {
		f.kp.Script(iamtest.Reply{Status: 200, ContentType: "text/plain", Body: "hello"})
		r := f.api("", "/api/v2/keys", "--jq", ".")
		cmdtest.ExpectFailure(t, r, 1, "Key Protect's answer is not JSON, so --jq cannot filter it.", "without --jq")
	})
}

// TestAPIRetries: GET, HEAD, PUT and DELETE are sent again on 429, 5xx
// and a connection reset, as IAM calls are; a POST only on 429, the one
// answer that says nothing was done, so no key is created twice.
func TestAPIRetries(t *testing.T) {
	busy := `{"resources":[{"errorMsg":"Too Many Requests","reasons":[{"code":"TOO_MANY_REQUESTS","message":"slow down"}]}]}`
	body := `{"metadata":{"collectionType":"application/vnd.ibm.kms.key+json","collectionTotal":1},"resources":[{"name":"once"}]}`
	tests := []struct {
		name     string
		fault    iamtest.KPFault
		args     []string
		code     int
		requests int
		keys     int // keys the instance holds after
		stderr   string
		minGap   time.Duration
	}{
		{"GET: 429 with Retry-After", iamtest.KPFault{Method: "GET", Times: 1, Reply: iamtest.Reply{Status: 429, ContentType: "application/json", Body: busy, Header: map[string]string{"Retry-After": "1"}}},
			nil, 0, 2, 3, "", time.Second},
		{"GET: 503", iamtest.KPFault{Method: "GET", Times: 1, Reply: iamtest.Reply{Status: 503, ContentType: "text/html", Body: "<html>down</html>"}}, nil, 0, 2, 3, "", 0},
		{"GET: reset", iamtest.KPFault{Method: "GET", Times: 1, Reply: iamtest.Reply{Reset: true}}, nil, 0, 2, 3, "", 0},
		{"GET: attempts run out", iamtest.KPFault{Method: "GET", Times: 4, Reply: iamtest.Reply{Status: 503, ContentType: "application/json", Body: busy}},
			nil, 1, 4, 3, "is busy or unavailable (HTTP 503). kp-token tried 4 times.", 0},
		{"HEAD: 502", iamtest.KPFault{Method: "HEAD", Times: 1, Reply: iamtest.Reply{Status: 502}}, []string{"-X", "HEAD"}, 0, 2, 3, "", 0},
		{"DELETE: 503", iamtest.KPFault{Method: "DELETE", Times: 1, Reply: iamtest.Reply{Status: 503}}, []string{"-X", "DELETE"}, 1, 2, 3, "HTTP 404: NOT_FOUND_ERR", 0},
		{"PUT: reset", iamtest.KPFault{Method: "PUT", Times: 1, Reply: iamtest.Reply{Reset: true}}, []string{"-X", "PUT", "--data", "{}"}, 1, 2, 3, "HTTP 404: NOT_FOUND_ERR", 0},
		{"PATCH: 500 is not retried", iamtest.KPFault{Method: "PATCH", Times: 1, Reply: iamtest.Reply{Status: 500}}, []string{"-X", "PATCH", "--data", "{}"}, 1, 1, 3, "(HTTP 500)", 0},
		{"POST: 429 is retried", iamtest.KPFault{Method: "POST", Times: 1, Reply: iamtest.Reply{Status: 429, ContentType: "application/json", Body: busy}},
			[]string{"--data", body}, 0, 2, 4, "", 0},
		{"POST: a 503 after the key was made is not retried", iamtest.KPFault{Method: "POST", Times: 1, Done: true, Reply: iamtest.Reply{Status: 503, ContentType: "application/json", Body: busy}},
			[]string{"--data", body}, 1, 1, 4, "is busy or unavailable (HTTP 503).", 0},
		{"POST: a reset after the key was made is not retried", iamtest.KPFault{Method: "POST", Times: 1, Done: true, Reply: iamtest.Reply{Reset: true}},
			[]string{"--data", body}, 1, 1, 4, "The connection was closed before an answer came.", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			f.kp.SetFault(tt.fault)
			r := f.api("", append([]string{"/api/v2/keys"}, tt.args...)...)
			reqs := f.kp.Requests()
			if r.Code != tt.code || len(reqs) != tt.requests || len(f.kp.Keys(cmdtest.InstanceID)) != tt.keys || !strings.Contains(r.Stderr, tt.stderr) {
				t.Fatalf("exit %d, %d requests, %d keys; want %d, %d, %d and %q:\n%s", r.Code, len(reqs), len(f.kp.Keys(cmdtest.InstanceID)),
					tt.code, tt.requests, tt.keys, tt.stderr, r)
			}
			if tt.minGap > 0 && reqs[1].At.Sub(reqs[0].At) < tt.minGap {
				t.Fatalf("Retry-After not honored: retried after %v", reqs[1].At.Sub(reqs[0].At))
			}
		})
	}
}
