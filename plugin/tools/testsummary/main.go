// Command testsummary runs the steps of 'make test' and ends with one line
// that says how they went:
//
//	make test: PASS — 24 packages, 412 tests, 4 fuzz targets, 58 s
//
//	testsummary [-make make] STEP...
//
// Each step runs as 'make STEP TESTJSON=-json', one after the other, all
// of them even after one fails (a vet failure does not hide a failing
// test). The steps' go test commands print their event stream (-json):
// testsummary counts from it and shows what 'go test' would show, as it
// comes: each package's ok or FAIL line, a failed test's output in full,
// one line per fuzz target fuzzed. Anything that is not an event (make's
// command lines, vet's findings) passes through unchanged.
//
// It exits 1 when a step exits non-zero, a test or fuzz target fails or
// does not finish, no test result was read at all (a PASS with nothing
// counted would prove nothing), or it was interrupted.
package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/kp-token/kp-token/plugin/signals"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("testsummary", flag.ContinueOnError)
	fs.SetOutput(stderr)
	makeCmd := fs.String("make", "make", "the make program that runs each step")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: testsummary [-make make] STEP...")
		return 2
	}
	start := time.Now()
	s := NewStream(stdout)
	steps := &steps{make: *makeCmd, stderr: stderr}
	// A signal for the whole group (Ctrl-C) reaches the step too; one for
	// this process alone is passed on. Either way no further step starts,
	// and the summary says the run was interrupted.
	// (A signal ignored at start, as in 'make test &' from a script,
	// stays ignored, for this process and the steps: signals.Notify.)
	sigs := make(chan os.Signal, 1)
	signals.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	defer signal.Stop(sigs)
	go func() {
		for sig := range sigs {
			steps.interrupt(sig)
		}
	}()
	for _, step := range fs.Args() {
		if steps.interrupted() {
			break
		}
		if err := steps.run(step, s); err != nil {
			s.FailedSteps = append(s.FailedSteps, step)
		}
	}
	s.Interrupted = steps.interrupted()
	if dryRun(os.Getenv("MAKEFLAGS")) && len(s.FailedSteps) == 0 && !s.Interrupted {
		s.print("make test: dry run (make -n): the steps' commands are above, none was run")
		return 0
	}
	s.Finish(time.Since(start))
	if s.Passed() {
		return 0
	}
	return 1
}

// dryRun tells whether make runs with -n: its one-letter flags are the
// first word of MAKEFLAGS, when that word does not start with '-'.
func dryRun(makeflags string) bool {
	first, _, _ := strings.Cut(strings.TrimLeft(makeflags, " "), " ")
	return !strings.HasPrefix(makeflags, " ") && !strings.HasPrefix(first, "-") && strings.Contains(first, "n")
}

// steps runs make's steps, one at a time.
type steps struct {
	make   string
	stderr io.Writer

	mu     sync.Mutex
	child  *os.Process
	signal os.Signal // the first signal received
}

func (st *steps) interrupt(sig os.Signal) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.signal == nil {
		st.signal = sig
	}
	if st.child != nil {
		_ = st.child.Signal(sig)
	}
}

func (st *steps) interrupted() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.signal != nil
}

// run runs 'make STEP TESTJSON=-json', its standard output read as an
// event stream, its standard error passed through.
func (st *steps) run(step string, s *Stream) error {
	cmd := exec.Command(st.make, "--no-print-directory", step, "TESTJSON=-json")
	cmd.Stderr = st.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		return err
	}
	st.mu.Lock()
	if st.signal != nil {
		st.mu.Unlock()
		return fmt.Errorf("interrupted")
	}
	err = cmd.Start()
	st.child = cmd.Process
	st.mu.Unlock()
	if err != nil {
		fmt.Fprintf(st.stderr, "testsummary: %v\n", err)
		return err
	}
	r := bufio.NewReaderSize(out, 64<<10)
	for {
		line, err := r.ReadBytes('\n')
		if len(line) > 0 {
			s.Line(line)
		}
		if err != nil {
			break
		}
	}
	err = cmd.Wait()
	st.mu.Lock()
	st.child = nil
	st.mu.Unlock()
	return err
}

// event is one line of 'go test -json' (cmd/test2json), build output
// included.
type event struct {
	Action      string
	Package     string
	ImportPath  string // build-output and build-fail events
	Test        string
	Output      string
	FailedBuild string
}

// test is a top-level test (or fuzz target) still running: its output and
// its subtests', kept until it ends, shown only if it fails.
type test struct {
	output   []string
	fuzzed   bool   // the fuzzing engine reported on it: a fuzz run, not a test
	lastFuzz string // the engine's last report
}

// Stream reads the event stream and counts. Counts are of top-level
// tests (subtests are part of their test) and of fuzz targets fuzzed (a
// fuzz target run on its seed corpus by 'go test' is a test).
type Stream struct {
	out     io.Writer
	running map[[2]string]*test // package, top-level test

	Packages    map[string]bool // packages that ran tests (passed or failed)
	Tests       int
	Failed      int
	Skipped     int
	Unfinished  int // running when their package ended (a crash, a timeout)
	Fuzzed      map[[2]string]bool
	FuzzFailed  int
	Failures    []string // "package Test", "package [build failed]"
	FailedSteps []string
	Interrupted bool
	Elapsed     time.Duration
}

// NewStream shows what it reads on out.
func NewStream(out io.Writer) *Stream {
	return &Stream{out: out, running: map[[2]string]*test{}, Packages: map[string]bool{}, Fuzzed: map[[2]string]bool{}}
}

// Line takes one line of a step's standard output.
func (s *Stream) Line(line []byte) {
	var e event
	if !bytes.HasPrefix(line, []byte("{")) || json.Unmarshal(line, &e) != nil || e.Action == "" {
		s.print(string(line))
		return
	}
	switch {
	case e.Action == "build-output":
		s.print(e.Output)
	case e.Action == "build-fail":
	case e.Test == "":
		s.packageEvent(e)
	default:
		s.testEvent(e)
	}
}

func (s *Stream) packageEvent(e event) {
	switch e.Action {
	case "output":
		// Verbose mode's "PASS" before each package's ok line: 'go test'
		// without -v does not print it.
		if e.Output != "PASS\n" {
			s.print(e.Output)
		}
	case "pass", "fail":
		s.Packages[e.Package] = true
		if e.FailedBuild != "" {
			s.Failures = append(s.Failures, e.Package+" [build failed]")
		}
		// Tests that never ended: their package crashed or timed out. Show
		// what they printed, it is where the cause is.
		s.unfinished(e.Package)
	}
}

func (s *Stream) testEvent(e event) {
	top, _, sub := strings.Cut(e.Test, "/")
	k := [2]string{e.Package, top}
	t := s.running[k]
	if t == nil {
		t = &test{}
		s.running[k] = t
	}
	switch e.Action {
	case "output":
		t.output = append(t.output, e.Output)
		if strings.HasPrefix(e.Output, "fuzz: elapsed:") {
			t.fuzzed, t.lastFuzz = true, e.Output
		}
		return
	case "pass", "fail", "skip":
		if sub {
			return
		}
	default: // run, pause, cont, bench
		return
	}
	delete(s.running, k)
	failed := e.Action == "fail"
	if failed {
		s.printAll(t.output)
		s.Failures = append(s.Failures, e.Package+" "+top)
	}
	if t.fuzzed {
		s.Fuzzed[k] = true
		if failed {
			s.FuzzFailed++
		} else {
			s.print(fmt.Sprintf("fuzzed %s in %s: %s", top, e.Package, strings.TrimPrefix(t.lastFuzz, "fuzz: ")))
		}
		return
	}
	s.Tests++
	switch e.Action {
	case "fail":
		s.Failed++
	case "skip":
		s.Skipped++
	}
}

// unfinished ends the tests still running in pkg ("": in every package),
// in the order of their names.
func (s *Stream) unfinished(pkg string) {
	var keys [][2]string
	for k := range s.running {
		if pkg == "" || k[0] == pkg {
			keys = append(keys, k)
		}
	}
	slices.SortFunc(keys, func(a, b [2]string) int { return strings.Compare(a[0]+" "+a[1], b[0]+" "+b[1]) })
	for _, k := range keys {
		s.Unfinished++
		s.Failures = append(s.Failures, k[0]+" "+k[1]+" (did not finish)")
		s.printAll(s.running[k].output)
		delete(s.running, k)
	}
}

// printAll shows a test's output without verbose mode's framing lines
// (=== RUN, PAUSE, CONT, NAME), as 'go test' shows a failure.
func (s *Stream) printAll(lines []string) {
	for _, l := range lines {
		if !strings.HasPrefix(l, "=== ") {
			s.print(l)
		}
	}
}

func (s *Stream) print(text string) {
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
	}
	_, _ = io.WriteString(s.out, text)
}

// Passed: every step exited 0, nothing failed or was left unfinished,
// something was counted, and nobody interrupted the run.
func (s *Stream) Passed() bool {
	return len(s.FailedSteps) == 0 && s.Failed == 0 && s.FuzzFailed == 0 && s.Unfinished == 0 &&
		len(s.Failures) == 0 && len(s.Packages) > 0 && !s.Interrupted
}

// Finish ends the stream: tests still running count as unfinished, the
// failures are listed, and the last line is the summary.
func (s *Stream) Finish(elapsed time.Duration) {
	s.unfinished("")
	s.Elapsed = elapsed
	if len(s.Failures) > 0 {
		s.print("\nFailed:")
		for _, f := range s.Failures {
			s.print("  " + f)
		}
	}
	s.print(s.Summary())
}

// Summary is the last line.
func (s *Stream) Summary() string {
	verdict := "PASS"
	if !s.Passed() {
		verdict = "FAIL"
	}
	var tests []string
	for _, n := range []struct {
		n    int
		what string
	}{{s.Failed, "failed"}, {s.Unfinished, "did not finish"}, {s.Skipped, "skipped"}} {
		if n.n > 0 {
			tests = append(tests, fmt.Sprintf("%d %s", n.n, n.what))
		}
	}
	line := fmt.Sprintf("make test: %s — %s, %s%s, %s%s, %d s", verdict,
		count(len(s.Packages), "package"), count(s.Tests, "test"), paren(tests),
		count(len(s.Fuzzed), "fuzz target"), paren(nonzero(s.FuzzFailed, "failed")),
		int(s.Elapsed.Round(time.Second)/time.Second))
	var why []string
	if len(s.FailedSteps) > 0 {
		why = append(why, "failed steps: "+strings.Join(s.FailedSteps, ", "))
	}
	if len(s.Packages) == 0 && len(s.FailedSteps) == 0 && !s.Interrupted {
		why = append(why, "no test result was read (does each go test get $(TESTJSON)?)")
	}
	if s.Interrupted {
		why = append(why, "interrupted")
	}
	if len(why) > 0 {
		line += "; " + strings.Join(why, "; ")
	}
	return line
}

func count(n int, what string) string {
	if n == 1 {
		return "1 " + what
	}
	return fmt.Sprintf("%d %ss", n, what)
}

func nonzero(n int, what string) []string {
	if n == 0 {
		return nil
	}
	return []string{fmt.Sprintf("%d %s", n, what)}
}

func paren(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}
