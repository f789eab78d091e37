package main

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"
)

// The streams in testdata are what 'go test -json' printed for a scratch
// module (example.com/tsx), not written by hand:
//
//	pass-unit.jsonl  go test -json -count=1 ./p ./none
//	                 p: TestA (two subtests that log), TestB, TestSkip
//	                 (skipped), FuzzY (its seed corpus); none: no test files
//	pass-fuzz.jsonl  go test -json -run '^$' -fuzz '^FuzzY$' -fuzztime 50x ./p
//	fail-unit.jsonl  go test -json -count=1 ./a ./b ./c
//	                 a: TestOK, TestBad (prints "hello", its subtest fails
//	                 with "boom"), TestSkip; b: does not compile; c: TestPanic
//	                 panics ("kaboom") while the parallel TestSlow runs
//	fail-fuzz.jsonl  go test -json -run '^$' -fuzz '^FuzzZ$' ./z (FuzzZ
//	                 fails on inputs over 3 bytes)

func feed(t *testing.T, s *Stream, files ...string) {
	t.Helper()
	for _, f := range files {
		data, err := os.ReadFile(filepath.Join("testdata", f))
		if err != nil {
			t.Fatal(err)
		}
		for _, line := range bytes.SplitAfter(data, []byte("\n")) {
			if len(line) > 0 {
				s.Line(line)
			}
		}
	}
}

func TestStreamCounts(t *testing.T) {
	tests := []struct {
		name     string
		files    []string
		failed   []string // steps that exited non-zero
		summary  string
		failures []string
		shown    []string // in what was printed
		hidden   []string // not printed
	}{
		{
			name:    "passing tests and a fuzz target",
			files:   []string{"pass-unit.jsonl", "pass-fuzz.jsonl"},
			summary: "make test: PASS — 1 package, 4 tests (1 skipped), 1 fuzz target, 58 s",
			shown: []string{"ok  \texample.com/tsx/p\t", "?   \texample.com/tsx/none\t[no test files]",
				"fuzzed FuzzY in example.com/tsx/p: elapsed: 0s, execs: 50 ("},
			hidden: []string{"quiet when it passes", "=== RUN", "--- PASS", "PASS\n", "gathering baseline"},
		},
		{
			name:    "a failing subtest, a package that does not build, a panic",
			files:   []string{"fail-unit.jsonl"},
			summary: "make test: FAIL — 3 packages, 4 tests (2 failed, 1 did not finish, 1 skipped), 0 fuzz targets, 58 s",
			failures: []string{"example.com/tsx/a TestBad", "example.com/tsx/b [build failed]",
				"example.com/tsx/c TestPanic", "example.com/tsx/c TestSlow (did not finish)"},
			shown: []string{"hello\n", "a_test.go:4: boom", "--- FAIL: TestBad/s", "b/b_test.go:3:27: undefined: undefined",
				"FAIL\texample.com/tsx/b [build failed]", "panic: kaboom", "FAIL\texample.com/tsx/a\t"},
			hidden: []string{"=== RUN", "=== PAUSE", "=== CONT"},
		},
		{
			name:     "a fuzz target that fails",
			files:    []string{"pass-unit.jsonl", "fail-fuzz.jsonl"},
			failed:   []string{"fuzz"},
			summary:  "make test: FAIL — 2 packages, 4 tests (1 skipped), 1 fuzz target (1 failed), 58 s; failed steps: fuzz",
			failures: []string{"example.com/tsx/z FuzzZ"},
			shown:    []string{`too long: "0000"`, "Failing input written to testdata/fuzz/FuzzZ/"},
		},
		{
			name:    "steps that fail without a test event (vet, the tree check)",
			files:   []string{"pass-unit.jsonl", "pass-fuzz.jsonl"},
			failed:  []string{"tree", "vet"},
			summary: "make test: FAIL — 1 package, 4 tests (1 skipped), 1 fuzz target, 58 s; failed steps: tree, vet",
		},
		{
			name:    "no test result at all",
			summary: "make test: FAIL — 0 packages, 0 tests, 0 fuzz targets, 58 s; no test result was read (does each go test get $(TESTJSON)?)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			s := NewStream(&out)
			s.Line([]byte("go test -json -count=1 ./...\n")) // make's echo passes through
			feed(t, s, tt.files...)
			s.FailedSteps = tt.failed
			s.Finish(58*time.Second + 300*time.Millisecond)
			text := out.String()
			lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
			if last := lines[len(lines)-1]; last != tt.summary {
				t.Errorf("last line\n%s\nwant\n%s", last, tt.summary)
			}
			if s.Passed() != strings.Contains(tt.summary, "PASS") {
				t.Errorf("Passed() = %v", s.Passed())
			}
			if !slices.Equal(s.Failures, tt.failures) {
				t.Errorf("failures %q, want %q", s.Failures, tt.failures)
			}
			for _, f := range tt.failures {
				if !strings.Contains(text, "\n  "+f+"\n") {
					t.Errorf("the failure list lacks %q", f)
				}
			}
			for _, want := range append(tt.shown, "go test -json -count=1 ./...\n") {
				if !strings.Contains(text, want) {
					t.Errorf("not shown: %q", want)
				}
			}
			for _, not := range tt.hidden {
				if strings.Contains(text, not) {
					t.Errorf("shown: %q", not)
				}
			}
			if t.Failed() {
				t.Logf("output:\n%s", text)
			}
		})
	}
}

// TestSummaryWords: singular and plural, every count in its place.
func TestSummaryWords(t *testing.T) {
	s := NewStream(&bytes.Buffer{})
	s.Packages["p"] = true
	s.Tests, s.Failed = 1, 1
	s.Fuzzed[[2]string{"p", "FuzzA"}] = true
	s.Fuzzed[[2]string{"p", "FuzzB"}] = true
	s.Interrupted = true
	s.Elapsed = 1499 * time.Millisecond
	want := "make test: FAIL — 1 package, 1 test (1 failed), 2 fuzz targets, 1 s; interrupted"
	if got := s.Summary(); got != want {
		t.Fatalf("%s\nwant\n%s", got, want)
	}
}

// The test binary plays make for TestRunExitStatus: 'make --no-print-directory
// STEP TESTJSON=-json' prints the step's fixture streams and exits with the
// step's code.
func TestMain(m *testing.M) {
	if log := os.Getenv("FAKE_MAKE_LOG"); log != "" {
		os.Exit(fakeMake(log, os.Args[1:]))
	}
	os.Exit(m.Run())
}

func fakeMake(log string, args []string) int {
	if len(args) != 3 || args[0] != "--no-print-directory" || args[2] != "TESTJSON=-json" {
		fmt.Fprintf(os.Stderr, "fake make: unexpected arguments %q\n", args)
		return 99
	}
	step := args[1]
	f, err := os.OpenFile(log, os.O_APPEND|os.O_WRONLY|os.O_CREATE, 0o644)
	if err != nil {
		return 98
	}
	fmt.Fprintln(f, step)
	f.Close()
	fmt.Printf("fake make %s\n", step)
	for _, fixture := range strings.Fields(os.Getenv("FAKE_MAKE_" + strings.ToUpper(step))) {
		data, err := os.ReadFile(filepath.Join("testdata", fixture))
		if err != nil {
			return 97
		}
		os.Stdout.Write(data)
	}
	if step == "sleep" {
		time.Sleep(time.Minute)
	}
	if strings.Contains(" "+os.Getenv("FAKE_MAKE_FAIL")+" ", " "+step+" ") {
		fmt.Fprintf(os.Stderr, "make: *** [Makefile: %s] Error 1\n", step)
		return 2
	}
	return 0
}

// TestRunExitStatus runs the steps through a stand-in make: every step
// runs even after one fails, the exit status is 1 when anything failed,
// and the summary is the last line.
func TestRunExitStatus(t *testing.T) {
	tests := []struct {
		name      string
		fail      string // steps that exit non-zero
		unit      string // fixtures the unit step prints
		fuzz      string
		code      int
		summary   string
		makeflags string
	}{
		{"all pass", "", "pass-unit.jsonl", "pass-fuzz.jsonl", 0,
			"make test: PASS — 1 package, 4 tests (1 skipped), 1 fuzz target, 0 s", ""},
		{"the tree check fails", "tree", "pass-unit.jsonl", "pass-fuzz.jsonl", 1,
			"make test: FAIL — 1 package, 4 tests (1 skipped), 1 fuzz target, 0 s; failed steps: tree", ""},
		{"vet fails", "vet", "pass-unit.jsonl", "pass-fuzz.jsonl", 1,
			"make test: FAIL — 1 package, 4 tests (1 skipped), 1 fuzz target, 0 s; failed steps: vet", ""},
		{"a test fails", "unit", "fail-unit.jsonl", "pass-fuzz.jsonl", 1,
			"make test: FAIL — 4 packages, 4 tests (2 failed, 1 did not finish, 1 skipped), 1 fuzz target, 0 s; failed steps: unit", ""},
		{"a fuzz target fails", "fuzz", "pass-unit.jsonl", "fail-fuzz.jsonl", 1,
			"make test: FAIL — 2 packages, 4 tests (1 skipped), 1 fuzz target (1 failed), 0 s; failed steps: fuzz", ""},
		{"a failed test in a step that exits 0", "", "fail-unit.jsonl", "pass-fuzz.jsonl", 1,
			"make test: FAIL — 4 packages, 4 tests (2 failed, 1 did not finish, 1 skipped), 1 fuzz target, 0 s", ""},
		{"nothing counted", "", "", "", 1,
			"make test: FAIL — 0 packages, 0 tests, 0 fuzz targets, 0 s; no test result was read (does each go test get $(TESTJSON)?)", ""},
		{"make -n test", "", "", "", 0, "make test: dry run (make -n): the steps' commands are above, none was run", "ns -- GO=go"},
		{"make -n test, a step fails", "vet", "", "", 1,
			"make test: FAIL — 0 packages, 0 tests, 0 fuzz targets, 0 s; failed steps: vet", "n"},
		{"make -j2 test (no n)", "", "", "", 1,
			"make test: FAIL — 0 packages, 0 tests, 0 fuzz targets, 0 s; no test result was read (does each go test get $(TESTJSON)?)", " -j2 --jobserver-auth=3,4 -- X=n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			log := filepath.Join(t.TempDir(), "steps")
			t.Setenv("FAKE_MAKE_LOG", log)
			t.Setenv("FAKE_MAKE_FAIL", tt.fail)
			t.Setenv("FAKE_MAKE_UNIT", tt.unit)
			t.Setenv("FAKE_MAKE_FUZZ", tt.fuzz)
			t.Setenv("MAKEFLAGS", tt.makeflags)
			var stdout, stderr bytes.Buffer
			code := run([]string{"-make", os.Args[0], "tree", "vet", "unit", "fuzz"}, &stdout, &stderr)
			ran, _ := os.ReadFile(log)
			if got := strings.Fields(string(ran)); !slices.Equal(got, []string{"tree", "vet", "unit", "fuzz"}) {
				t.Errorf("steps run: %v", got)
			}
			lines := strings.Split(strings.TrimSuffix(stdout.String(), "\n"), "\n")
			if code != tt.code || lines[len(lines)-1] != tt.summary {
				t.Fatalf("exit %d, last line\n%s\nwant %d and\n%s\nstdout:\n%s\nstderr:\n%s", code, lines[len(lines)-1], tt.code, tt.summary, stdout.String(), stderr.String())
			}
			if tt.fail != "" && !strings.Contains(stderr.String(), "make: *** [Makefile: "+tt.fail+"] Error 1") {
				t.Errorf("the step's standard error was not passed through: %q", stderr.String())
			}
		})
	}
}

// TestMakeTest runs the Makefile's 'make test' in a copy, with stand-ins
// for go (it prints the fixture streams, and builds testsummary by
// copying the one this test built) and for .ci/check-tree: a failing
// tree check, vet, test or fuzz target makes 'make test' exit non-zero
// with FAIL on its last line; when all pass, the counts are the fixtures'.
// The stand-in prints events only when go test gets -json, so a Makefile
// step that loses $(TESTJSON) changes the counts.
func TestMakeTest(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("the stand-ins are shell scripts")
	}
	if _, err := exec.LookPath("make"); err != nil {
		t.Skip("no make")
	}
	module, _ := filepath.Abs("../../..")
	mk, err := os.ReadFile(filepath.Join(module, "Makefile"))
	if err != nil {
		t.Fatal(err)
	}
	bin := filepath.Join(t.TempDir(), "testsummary")
	if out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	fixtures, _ := filepath.Abs("testdata")
	const fakeGo = `#!/bin/sh
case "$1" in
env) echo linux; exit 0 ;;
build) [ "$2" = -o ] && [ "$4" = ./plugin/tools/testsummary ] || exit 0
  mkdir -p "$(dirname "$3")" && exec cp "$TESTSUMMARY_BIN" "$3" ;;
vet) [ -z "$FAIL_VET" ]; exit ;;
test) [ "$2" = -json ] || { echo "ok   plain output, not events"; exit 0; }
  case "$*" in
  *-fuzz*) target=$(printf '%s' "$6" | tr -d '^$')
    if [ "$target" = FuzzParseFile ] && [ -n "$FAIL_FUZZ" ]; then cat "$FIXTURES/fail-fuzz.jsonl"; exit 1; fi
    sed "s/FuzzY/$target/g" "$FIXTURES/pass-fuzz.jsonl" ;;
  *) if [ -n "$FAIL_UNIT" ]; then cat "$FIXTURES/fail-unit.jsonl"; exit 1; fi
    cat "$FIXTURES/pass-unit.jsonl" ;;
  esac
  exit 0 ;;
esac
exit 0
`
	// The Makefile's fuzz targets, in order: every one runs when all pass;
	// make stops the fuzz step at the failing one (FuzzParseFile), so
	// those after it do not run.
	targets := regexp.MustCompile(`-fuzz '\^(Fuzz\w+)\$\$'`).FindAllStringSubmatch(string(mk), -1)
	failing := -1
	for i, m := range targets {
		if m[1] == "FuzzParseFile" {
			failing = i
		}
	}
	if failing < 0 {
		t.Fatal("the Makefile runs no FuzzParseFile, which this test fails")
	}
	all, upTo := len(targets), failing+1
	tests := []struct {
		name    string
		env     string
		code    int
		summary string
	}{
		{"all pass", "", 0, fmt.Sprintf(`make test: PASS — 1 package, 4 tests \(1 skipped\), %d fuzz targets, \d+ s`, all)},
		{"the tree check fails", "FAIL_TREE=1", 2, fmt.Sprintf(`make test: FAIL — 1 package, 4 tests \(1 skipped\), %d fuzz targets, \d+ s; failed steps: tree`, all)},
		{"vet fails", "FAIL_VET=1", 2, fmt.Sprintf(`make test: FAIL — 1 package, 4 tests \(1 skipped\), %d fuzz targets, \d+ s; failed steps: vet, cross`, all)},
		{"a test fails", "FAIL_UNIT=1", 2, fmt.Sprintf(`make test: FAIL — 4 packages, 4 tests \(2 failed, 1 did not finish, 1 skipped\), %d fuzz targets, \d+ s; failed steps: unit`, all)},
		{"a fuzz target fails", "FAIL_FUZZ=1", 2, fmt.Sprintf(`make test: FAIL — 2 packages, 4 tests \(1 skipped\), %d fuzz targets \(1 failed\), \d+ s; failed steps: fuzz`, upTo)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			_ = os.MkdirAll(filepath.Join(dir, ".ci"), 0o755)
			files := map[string]string{
				"Makefile":       string(mk),
				"fake-go":        fakeGo,
				".ci/check-tree": "#!/bin/sh\necho check-tree\n[ -z \"$FAIL_TREE\" ]\n",
			}
			for name, text := range files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o755); err != nil {
					t.Fatal(err)
				}
			}
			cmd := exec.Command("make", "test", "GO="+filepath.Join(dir, "fake-go"))
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "MAKEFLAGS=", "MAKELEVEL=", "TESTJSON=", "TESTSUMMARY_BIN="+bin, "FIXTURES="+fixtures)
			if tt.env != "" {
				cmd.Env = append(cmd.Env, tt.env)
			}
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			err := cmd.Run()
			code := 0
			if ee, ok := err.(*exec.ExitError); ok {
				code = ee.ExitCode()
			} else if err != nil {
				t.Fatal(err)
			}
			var last string
			for sc := bufio.NewScanner(&stdout); sc.Scan(); {
				last = sc.Text()
			}
			if code != tt.code || !regexp.MustCompile("^"+tt.summary+"$").MatchString(last) {
				t.Fatalf("exit %d, last line\n%s\nwant %d and %s\nstderr:\n%s", code, last, tt.code, tt.summary, stderr.String())
			}
		})
	}
}
