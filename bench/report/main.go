// Command report turns the benchmark outputs into bench/RESULTS.md and an
// SVG chart of the ratios. Standard library only.
//
//	go run ./bench/report -dir bench/results -md bench/RESULTS.md -svg bench/ratios.svg
//
// It reads, from -dir: c.tsv (ctexec_bench --out), parkinglot.tsv (the same
// program against the parking-lot copy of the library), python.tsv
// (python_bench.py --out), gobench.txt (go test -bench output),
// machine.tsv (key<TAB>value lines written by bench/run) and, when present,
// analysis.md (hand-written notes on the profile) and profile.md (written by
// bench/profile), both included verbatim.
// Missing inputs become "missing" rows; the report is still written.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// ---- data ----------------------------------------------------------------

type key struct {
	W, V   string
	P      int
	Metric string
}

type dataset struct {
	samples  map[key][]float64
	titles   map[string]string // variant name -> title
	order    []string          // variants in file order
	missing  map[string]string // variant name -> reason
	meta     map[string]string
	hasInput bool
}

func newDataset() *dataset {
	return &dataset{samples: map[key][]float64{}, titles: map[string]string{},
		missing: map[string]string{}, meta: map[string]string{}}
}

// readTSV reads the sample format shared by ctexec_bench and python_bench.
func (d *dataset) readTSV(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	d.hasInput = true
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fs := strings.Split(sc.Text(), "\t")
		switch fs[0] {
		case "sample":
			if len(fs) != 8 {
				return fmt.Errorf("%s: bad sample line %q", path, sc.Text())
			}
			p, err1 := strconv.Atoi(fs[3])
			v, err2 := strconv.ParseFloat(fs[7], 64)
			if err1 != nil || err2 != nil {
				return fmt.Errorf("%s: bad sample line %q", path, sc.Text())
			}
			k := key{fs[1], fs[2], p, fs[4]}
			d.samples[k] = append(d.samples[k], v)
		case "variant":
			if len(fs) >= 3 {
				if _, ok := d.titles[fs[1]]; !ok {
					d.order = append(d.order, fs[1])
				}
				d.titles[fs[1]] = fs[2]
			}
		case "missing":
			if len(fs) >= 3 {
				d.missing[fs[1]] = fs[2]
			}
		case "meta":
			if len(fs) >= 3 {
				d.meta[fs[1]] = fs[2]
			}
		}
	}
	return sc.Err()
}

func median(v []float64) float64 {
	if len(v) == 0 {
		return math.NaN()
	}
	c := append([]float64(nil), v...)
	sort.Float64s(c)
	if len(c)%2 == 1 {
		return c[len(c)/2]
	}
	return (c[len(c)/2-1] + c[len(c)/2]) / 2
}

// med returns the median of a figure, or NaN when it was not measured.
func (d *dataset) med(w, v string, p int, m string) float64 {
	return median(d.samples[key{w, v, p, m}])
}

func (d *dataset) reps(w, v string, p int, m string) int { return len(d.samples[key{w, v, p, m}]) }

// goBench is one benchmark's medians over its -count runs.
type goBench struct {
	name    string
	metrics map[string][]float64
}

var benchLine = regexp.MustCompile(`^(Benchmark\S+?)(-\d+)?\s+\d+\s+(.*)$`)

func readGoBench(path string) ([]*goBench, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var out []*goBench
	byName := map[string]*goBench{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		m := benchLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		b := byName[m[1]]
		if b == nil {
			b = &goBench{name: m[1], metrics: map[string][]float64{}}
			byName[m[1]] = b
			out = append(out, b)
		}
		fs := strings.Fields(m[3])
		for i := 0; i+1 < len(fs); i += 2 {
			if v, err := strconv.ParseFloat(fs[i], 64); err == nil {
				b.metrics[fs[i+1]] = append(b.metrics[fs[i+1]], v)
			}
		}
	}
	return out, sc.Err()
}

func readKV(path string) (map[string]string, []string) {
	kv := map[string]string{}
	var order []string
	data, err := os.ReadFile(path)
	if err != nil {
		return kv, nil
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, "\t")
		if ok && k != "" {
			if _, seen := kv[k]; !seen {
				order = append(order, k)
			}
			kv[k] = v
		}
	}
	return kv, order
}

// ---- formatting ------------------------------------------------------------

func fmtRate(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v >= 1e6:
		return fmt.Sprintf("%.2f M/s", v/1e6)
	case v >= 1e3:
		return fmt.Sprintf("%.1f k/s", v/1e3)
	}
	return fmt.Sprintf("%.0f /s", v)
}

func fmtNs(v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case v >= 1e6:
		return fmt.Sprintf("%.2f ms", v/1e6)
	case v >= 1e4:
		return fmt.Sprintf("%.1f µs", v/1e3)
	case v >= 1e3:
		return fmt.Sprintf("%.2f µs", v/1e3)
	}
	return fmt.Sprintf("%.0f ns", v)
}

func fmtUs(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmtNs(v * 1e3)
}

func fmtBytes(v float64) string {
	if math.IsNaN(v) {
		return "–"
	}
	return fmt.Sprintf("%.1f B", v)
}

func fmtRatio(v, base float64) string {
	if math.IsNaN(v) || math.IsNaN(base) || base == 0 {
		return ""
	}
	return fmt.Sprintf(" (%.2f×)", v/base)
}

// ---- the report --------------------------------------------------------------

type report struct {
	c, pl, py  *dataset // pl: the parking-lot copy's run (parkinglot.tsv)
	t, ab      *dataset // t: timer_bench (timers.tsv); ab: bench/ab (ab.tsv)
	gob        []*goBench
	capiAllocs []capiAlloc
	cppTargets []target
	cppText    string
	machine    map[string]string
	morder     []string
	b          strings.Builder
}

// capiAlloc is one line of the C API allocation self-test
// (capi/selftest_test.go): "<what>: <n> Go allocations for <m> items".
type capiAlloc struct {
	what          string
	allocs, items int64
}

var capiAllocLine = regexp.MustCompile(`(\S[^:]*): (\d+) Go allocations for (\d+) items`)

func readCAPIAllocs(path string) []capiAlloc {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var out []capiAlloc
	for _, m := range capiAllocLine.FindAllStringSubmatch(string(data), -1) {
		a, _ := strconv.ParseInt(m[2], 10, 64)
		n, _ := strconv.ParseInt(m[3], 10, 64)
		what := m[1]
		if i := strings.LastIndex(what, " "); i >= 0 {
			what = what[i+1:]
		}
		out = append(out, capiAlloc{what, a, n})
	}
	return out
}

// readCpp reads bench/cpp_bench's output: the text, and its target lines
// ("ratio ..." followed by "target ...: met").
func readCpp(path string) (string, []target) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil
	}
	var ts []target
	var name, ratio string
	for _, line := range strings.Split(string(data), "\n") {
		f := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(f, "ratio"):
			ratio = f
		case strings.HasPrefix(f, "target"):
			goal, verdictText, _ := strings.Cut(strings.TrimPrefix(f, "target "), ": ")
			met := "met"
			if verdictText != "met" {
				met = "**not met**"
			}
			// The coroutine hop is measured against cte::executor::call,
			// every other row of cpp_bench against the C API.
			against := " (C++ against C, same run)"
			if strings.Contains(name, "coroutine") {
				against = " (against `cte::executor::call`, same run)"
			}
			// asio::post onto cte::asio_executor, against asio::post onto
			// an io_context running on the owner.
			if strings.Contains(name, "asio") {
				against = " io_context (`asio::post` onto an `io_context` running on the owner, same run)"
			}
			ts = append(ts, target{"C++ layer: " + name, goal + against, ratio, met})
		case f != "" && !strings.HasPrefix(line, " ") && strings.Contains(f, "   "):
			name = strings.TrimSpace(f[:strings.Index(f, "   ")])
		}
	}
	return string(data), ts
}

func (r *report) p(format string, a ...any) { fmt.Fprintf(&r.b, format, a...) }

// cVariants lists the C variants in the benchmark's order, then the ones
// that were not built.
func (r *report) cVariants() []string { return r.c.order }

func (r *report) title(name string) string {
	if t, ok := r.c.titles[name]; ok {
		return t
	}
	if t, ok := r.py.titles[name]; ok {
		return t
	}
	for _, d := range []*dataset{r.t, r.ab} {
		if d == nil {
			continue
		}
		if t, ok := d.titles[name]; ok {
			return t
		}
	}
	return name
}

const base = "pthread"

func (r *report) machineSection() {
	r.p("## Machine\n\n| | |\n|---|---|\n")
	for _, k := range r.morder {
		r.p("| %s | %s |\n", k, r.machine[k])
	}
	r.p("\n")
}

func (r *report) methodSection() {
	m := r.c.meta
	r.p("## How it was measured\n\n")
	r.p("- `ctexec_bench` (C, sources in `bench/c/`, built with `-O2`) runs every variant through the same workloads in one process: ")
	r.p("repetitions are interleaved (each rep runs every variant once, the starting variant rotated per rep), ")
	r.p("%s repetitions, and every figure is the **median** of them. ", orQ(m["reps"]))
	r.p("Each variant runs the same callback (it increments a counter that only the owner touches), and every run checks that exactly the expected number of items ran.\n")
	r.p("- **× pthread** is the figure divided by the pthread mutex/condvar figure of the same run ")
	r.p("(higher is better for rates; lower is better for times, bytes and CPU).\n")
	r.p("- Peers: *pthread mutex/condvar* is a ring buffer under a mutex; the owner pops one item per lock and sleeps on a condvar. ")
	r.p("*pthread, batch drain* is the same queue, but the owner swaps out the whole queue per wake-up. ")
	r.p("*GLib* uses `g_main_context_invoke_full` on a context that the owner has acquired, run by a `GMainLoop`. ")
	r.p("*libuv* uses `uv_async_send` plus a mutex-guarded queue that the async callback swaps out whole. ")
	r.p("Pushes signal or send only when they make the queue non-empty. ")
	r.p("The peers' per-item completion object (the analogue of a ctexec future) is a malloc'd mutex + condvar + flag, freed after the wait.\n")
	r.p("- *ctexec (CTEXEC_SPIN_NS=0)*: the library reads the variable once, at load, so that variant runs in a child process ")
	r.p("(the benchmark re-executed with the variable set) that makes one measurement and prints it; the parent runs with the variable unset (the default adaptive spin, 50 µs ceiling).\n")
	r.p("- Round trip: %s submit-and-wait calls per measurement from one submitter thread, each one timed (for the percentiles). ", orQ(m["rt_n"]))
	r.p("Back-to-back round trip (`rt_tight`): the same number of calls with both threads on CPU, timed as a whole, one clock read before and one after, so the figure is total time ÷ calls with no clock read per call; ")
	r.p("the spin mailbox (two flags, each on its own cache line, both threads spinning) is the floor it is compared with. ")
	r.p("Throughput: %s items per measurement (fire and forget), or %s with a future per item, ", orQ(m["tp_n"]), orQ(m["tpf_n"]))
	r.p("split evenly over the submitter threads. With futures, each submitter keeps %s in flight, then waits for and frees them in order. ", orQ(m["window"]))
	r.p("Time runs from the start gate to the return of run. ")
	r.p("Queue growth: %s items are queued from one thread before run starts. ", orQ(m["growth_n"]))
	r.p("Each measurement runs in a fresh child process, so the RSS delta is not hidden by memory freed earlier. ")
	r.p("Idle: the owner runs with nothing queued for %s ms; CPU time comes from getrusage (RUSAGE_THREAD for the owner, RUSAGE_SELF for the process, which includes the Go runtime's threads).\n", orQ(m["idle_ms"]))
	r.p("- Allocations come from a Go benchmark of the core (`bench/gobench`), without the cgo boundary.\n")
	r.p("- The machine is shared (2 vCPUs; other jobs may run): absolute figures are noisy, and the ratios within one run are the result.")
	if la := m["loadavg_start"]; la != "" {
		r.p(" Load average when the C benchmark started: %s.", la)
	}
	r.p("\n\n")
}

func orQ(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

func (r *report) goMetric(name, metric string) float64 {
	for _, b := range r.gob {
		if b.name == name {
			return median(b.metrics[metric])
		}
	}
	return math.NaN()
}

// parkinglotSection shows the parking-lot copy's run whole.
func (r *report) parkinglotSection() {
	d := r.pl
	r.p("## The parking-lot copy (the portable waits)\n\n")
	if !d.hasInput {
		r.p("missing: no parking-lot benchmark output (parkinglot.tsv).\n\n")
		return
	}
	r.p("`ctexec_bench_parkinglot`: the same benchmark program linked to the copy of the library built with the tag `ctexec_parkinglot` ")
	r.p("(CMake option `CTEXEC_PARKINGLOT`), whose waits go through the portable parking lot (`capi/cx/parkinglot.c`) instead of futexes: ")
	r.p("the code paths of macOS before 14.4 and of other POSIX systems. It runs after the main benchmark, in its own process, ")
	r.p("with the pthread queue measured again in that process; ratios are to that pthread figure. %s repetitions, %s round trips, %s items per throughput measurement.",
		orQ(d.meta["reps"]), orQ(d.meta["rt_n"]), orQ(d.meta["tp_n"]))
	if la := d.meta["loadavg_start"]; la != "" {
		r.p(" Load average when it started: %s.", la)
	}
	r.p("\n\n| variant | round trip, median | round trip, p99 | fire-and-forget, 2 submitters |\n|---|---|---|---|\n")
	for _, v := range d.order {
		r.p("| %s |", r.title(v))
		for _, m := range []string{"median", "p99"} {
			x := d.med("rt", v, 0, m)
			r.p(" %s%s |", fmtNs(x), fmtRatio(x, d.med("rt", base, 0, m)))
		}
		x := d.med("tp_fire", v, 2, "rate")
		r.p(" %s%s |\n", fmtRate(x), fmtRatio(x, d.med("tp_fire", base, 2, "rate")))
	}
	r.p("\n")
}

// params lists the distinct parameters measured for workload w, sorted.
func (d *dataset) params(w string) []int {
	seen := map[int]bool{}
	var ps []int
	for k := range d.samples {
		if k.W == w && !seen[k.P] {
			seen[k.P] = true
			ps = append(ps, k.P)
		}
	}
	sort.Ints(ps)
	return ps
}

func (r *report) missingRows(cols int, names []string, d *dataset) {
	for _, n := range names {
		if reason, ok := d.missing[n]; ok {
			r.p("| %s |%s\n", n, strings.Repeat(" missing: "+reason+" |", cols))
		}
	}
}

func (r *report) rtSection() {
	c := r.c
	r.p("## Round trip (one submitter: submit, wait, free, or one `ctexec_call`; %s per measurement)\n\n", orQ(c.meta["rt_n"]))
	r.p("| variant | median | p99 | mean |\n|---|---|---|---|\n")
	for _, v := range r.cVariants() {
		if c.reps("rt", v, 0, "median") == 0 {
			continue
		}
		r.p("| %s |", r.title(v))
		for _, m := range []string{"median", "p99", "mean"} {
			x := c.med("rt", v, 0, m)
			r.p(" %s%s |", fmtNs(x), fmtRatio(x, c.med("rt", base, 0, m)))
		}
		r.p("\n")
	}
	r.missingRows(3, []string{"glib", "libuv"}, c)
	r.p("\n")
	r.rtTightSection()
}

// rtTightSection shows the round trip timed back-to-back: total time ÷
// calls, with no clock read per call, against the spin mailbox timed the
// same way.
func (r *report) rtTightSection() {
	c := r.c
	r.p("### Round trip, both threads on CPU, back-to-back (total time ÷ calls)\n\n")
	if c.reps("rt_tight", "spin_mailbox", 0, "mean") == 0 {
		r.p("not measured (no `rt_tight` samples in this run).\n\n")
		return
	}
	r.p("| variant | mean |\n|---|---|\n")
	for _, v := range r.cVariants() {
		if c.reps("rt_tight", v, 0, "mean") == 0 {
			continue
		}
		x := c.med("rt_tight", v, 0, "mean")
		r.p("| %s | %s%s |\n", r.title(v), fmtNs(x), fmtRatio(x, c.med("rt_tight", "spin_mailbox", 0, "mean")))
	}
	r.p("\nRatios are to the spin mailbox.\n\n")
}

func (r *report) tpSection(w, title string) {
	c := r.c
	ps := c.params(w)
	r.p("## %s\n\nItems per second; the owner drains.\n\n| variant |", title)
	for _, p := range ps {
		r.p(" %d submitter%s |", p, plural(p))
	}
	r.p("\n|---|%s\n", strings.Repeat("---|", len(ps)))
	for _, v := range r.cVariants() {
		if c.reps(w, v, ps0(ps), "rate") == 0 {
			continue
		}
		r.p("| %s |", r.title(v))
		for _, p := range ps {
			x := c.med(w, v, p, "rate")
			r.p(" %s%s |", fmtRate(x), fmtRatio(x, c.med(w, base, p, "rate")))
		}
		r.p("\n")
	}
	r.missingRows(len(ps), []string{"glib", "libuv"}, c)
	r.p("\n")
}

func ps0(ps []int) int {
	if len(ps) == 0 {
		return 0
	}
	return ps[0]
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

func (r *report) growthSection() {
	c := r.c
	r.p("## Queue growth (%s items queued before run starts)\n\n", orQ(c.meta["growth_n"]))
	r.p("RSS delta per queued item while the queue is full, and the rate at which run then drains it.\n\n")
	r.p("| variant | bytes/item, fire-and-forget | drain, fire-and-forget | bytes/item, with a future | drain, with a future |\n|---|---|---|---|---|\n")
	for _, v := range r.cVariants() {
		if c.reps("growth_fire", v, 0, "bytes_per_item") == 0 {
			continue
		}
		r.p("| %s |", r.title(v))
		for _, w := range []string{"growth_fire", "growth_future"} {
			b := c.med(w, v, 0, "bytes_per_item")
			d := c.med(w, v, 0, "drain_rate")
			r.p(" %s%s | %s%s |", fmtBytes(b), fmtRatio(b, c.med(w, base, 0, "bytes_per_item")),
				fmtRate(d), fmtRatio(d, c.med(w, base, 0, "drain_rate")))
		}
		r.p("\n")
	}
	r.missingRows(4, []string{"glib", "libuv"}, c)
	r.p("\n")
}

func (r *report) idleSection() {
	c := r.c
	r.p("## Idle owner (%s ms in run with nothing queued)\n\n", orQ(c.meta["idle_ms"]))
	r.p("| variant | owner thread CPU | process CPU |\n|---|---|---|\n")
	for _, v := range r.cVariants() {
		if c.reps("idle", v, 0, "owner_cpu") == 0 {
			continue
		}
		o, s := c.med("idle", v, 0, "owner_cpu"), c.med("idle", v, 0, "process_cpu")
		r.p("| %s | %s%s | %s%s |\n", r.title(v), fmtUs(o), fmtRatio(o, c.med("idle", base, 0, "owner_cpu")),
			fmtUs(s), fmtRatio(s, c.med("idle", base, 0, "process_cpu")))
	}
	r.missingRows(2, []string{"glib", "libuv"}, c)
	r.p("\n")
}

func (r *report) allocSection() {
	r.p("## Allocations per item (Go benchmark of the core, `bench/gobench`)\n\n")
	if len(r.gob) == 0 {
		r.p("missing: no Go benchmark output.\n\n")
		return
	}
	r.p("The core without the cgo boundary: one executor, a no-op runner, submitters on goroutines. ")
	r.p("*allocs/item* and *B/item* are exact (runtime.MemStats over the whole run divided by the items). ")
	r.p("*FutureHandle* adds what the C API adds per future: a `cgo.Handle` made at submit, looked up for the wait, deleted at free. Medians of the `-count` runs.\n\n")
	r.p("| benchmark | ns/item | allocs/item | B/item |\n|---|---|---|---|\n")
	for _, b := range r.gob {
		r.p("| %s | %.1f | %.4f | %.1f |\n", strings.TrimPrefix(b.name, "Benchmark"),
			median(b.metrics["ns/op"]), median(b.metrics["allocs/item"]), median(b.metrics["B/item"]))
	}
	r.p("\n")
}

func (r *report) pythonSection() {
	py := r.py
	r.p("## Python: `ctexec.CurrentThreadExecutor` against asgiref's\n\n")
	if !py.hasInput {
		r.p("missing: no Python benchmark output.\n\n")
		return
	}
	r.p("`bench/python_bench.py`, run with %s (Python %s, asgiref %s), interleaved, %s reps; each figure is the median over the reps of that rep's median or mean. ",
		"`/usr/bin/python3`", orQ(py.meta["python"]), orQ(py.meta["asgiref"]), orQ(py.meta["py_reps"]))
	r.p("Round trip: %s `submit(fn).result()` per measurement from a plain thread. Throughput: %s submits in all, futures dropped. ", orQ(py.meta["py_rt_n"]), orQ(py.meta["py_tp_n"]))
	r.p("Django pattern: %s `async_to_sync` calls, each awaiting `sync_to_async(fn, thread_sensitive=True)`; per call, and per await inside one call; context switches are the whole process's (getrusage) per call or per await. ", orQ(py.meta["py_dj_n"]))
	r.p("Ratios are to asgiref.\n\n")
	ps := py.params("py_tp")
	cols := []struct{ w, m, title string }{
		{"py_rt", "median", "round trip, median"}, {"py_rt", "mean", "round trip, mean"}, {"py_rt", "p99", "round trip, p99"},
		{"py_dj", "median", "Django call, median"}, {"py_dj", "mean", "Django call, mean"},
		{"py_dj", "ctxsw", "Django call, context switches"},
		{"py_dj_await", "median", "Django await, median"}, {"py_dj_await", "mean", "Django await, mean"},
		{"py_dj_await", "ctxsw", "Django await, context switches"},
	}
	r.p("| executor |")
	for _, c := range cols {
		r.p(" %s |", c.title)
	}
	for _, p := range ps {
		r.p(" throughput, %d submitter%s |", p, plural(p))
	}
	r.p("\n|---|%s%s\n", strings.Repeat("---|", len(cols)), strings.Repeat("---|", len(ps)))
	for _, v := range []string{"py_ctexec", "py_asgiref"} {
		if reason, ok := py.missing[v]; ok {
			r.p("| %s | missing: %s |\n", v, reason)
			continue
		}
		r.p("| %s |", r.title(v))
		for _, c := range cols {
			x := py.med(c.w, v, 0, c.m)
			r.p(" %s%s |", fmtMetric(c.m, x), fmtRatio(x, py.med(c.w, "py_asgiref", 0, c.m)))
		}
		for _, p := range ps {
			x := py.med("py_tp", v, p, "rate")
			r.p(" %s%s |", fmtRate(x), fmtRatio(x, py.med("py_tp", "py_asgiref", p, "rate")))
		}
		r.p("\n")
	}
	r.p("\nWhat no executor can remove: an `async_to_sync` call around an empty coroutine (no executor work at all), per call.\n\n| executor | median | mean |\n|---|---|---|\n")
	for _, v := range []string{"py_bare", "py_asgiref", "py_ctexec"} {
		r.p("| %s | %s | %s |\n", r.title(v), fmtNs(py.med("py_dj_empty", v, 0, "median")), fmtNs(py.med("py_dj_empty", v, 0, "mean")))
	}
	r.p("\n")
}

// ---- the chart ---------------------------------------------------------------

type bar struct {
	variant string
	speedup float64 // relative to pthread, > 1 is better
}

type group struct {
	label string
	bars  []bar
}

// chartGroups turns every headline figure into "speed relative to pthread":
// rate / base for rates, base / value for times.
func (r *report) chartGroups() []group {
	c := r.c
	var gs []group
	add := func(label, w string, p int, m string, higherBetter bool) {
		b := c.med(w, base, p, m)
		if math.IsNaN(b) || b == 0 {
			return
		}
		g := group{label: label}
		for _, v := range r.cVariants() {
			if v == base {
				continue
			}
			x := c.med(w, v, p, m)
			if math.IsNaN(x) || x <= 0 {
				continue
			}
			s := x / b
			if !higherBetter {
				s = b / x
			}
			g.bars = append(g.bars, bar{v, s})
		}
		if len(g.bars) > 0 {
			gs = append(gs, g)
		}
	}
	add("round trip, median", "rt", 0, "median", false)
	add("round trip, p99", "rt", 0, "p99", false)
	for _, p := range c.params("tp_fire") {
		add(fmt.Sprintf("fire-and-forget, %d submitter%s", p, plural(p)), "tp_fire", p, "rate", true)
	}
	for _, p := range c.params("tp_future") {
		add(fmt.Sprintf("with futures, %d submitter%s", p, plural(p)), "tp_future", p, "rate", true)
	}
	add("drain 1M queued, fire-and-forget", "growth_fire", 0, "drain_rate", true)
	add("drain 1M queued, with futures", "growth_future", 0, "drain_rate", true)
	add("memory per queued item, fire-and-forget", "growth_fire", 0, "bytes_per_item", false)
	add("memory per queued item, with futures", "growth_future", 0, "bytes_per_item", false)
	return gs
}

var palette = []string{"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#b07aa1", "#76b7b2", "#edc948"}

func esc(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}

func (r *report) svg() string {
	gs := r.chartGroups()
	colors := map[string]string{}
	var legend []string
	for _, v := range r.cVariants() {
		if v == base {
			continue
		}
		colors[v] = palette[len(legend)%len(palette)]
		legend = append(legend, v)
	}
	lo, hi := 0.5, 2.0
	for _, g := range gs {
		for _, b := range g.bars {
			lo, hi = math.Min(lo, b.speedup), math.Max(hi, b.speedup)
		}
	}
	lo = math.Pow(2, math.Floor(math.Log2(lo)))
	hi = math.Pow(2, math.Ceil(math.Log2(hi)))
	const (
		width, labelW, right = 980.0, 290.0, 70.0
		barH, gap            = 11.0, 10.0
	)
	// Legend entries, wrapped onto as many rows as they need.
	type entry struct {
		x, y        float64
		color, text string
	}
	var entries []entry
	lx, ly := 10.0, 30.0
	for i, text := range append([]string{"pthread mutex/condvar = 1×"}, legend...) {
		w := 24 + 6.2*float64(len([]rune(r.title(text))))
		if lx+w > width-10 {
			lx, ly = 10, ly+18
		}
		color := ""
		if i > 0 {
			color = colors[text]
			text = r.title(text)
		}
		entries = append(entries, entry{lx, ly, color, text})
		lx += w
	}
	top := ly + 40
	plotW := width - labelW - right
	xOf := func(v float64) float64 {
		return labelW + plotW*(math.Log2(v)-math.Log2(lo))/(math.Log2(hi)-math.Log2(lo))
	}
	height := top + 30
	for _, g := range gs {
		height += float64(len(g.bars))*barH + gap
	}
	var s strings.Builder
	fmt.Fprintf(&s, `<svg xmlns="http://www.w3.org/2000/svg" width="%.0f" height="%.0f" viewBox="0 0 %.0f %.0f" font-family="sans-serif" font-size="11">`+"\n", width, height, width, height)
	fmt.Fprintf(&s, `<rect width="100%%" height="100%%" fill="white"/>`+"\n")
	fmt.Fprintf(&s, `<text x="10" y="18" font-size="14" font-weight="bold">Speed relative to the pthread mutex/condvar queue, same run (log scale; right of 1× is better)</text>`+"\n")
	for _, e := range entries {
		if e.color == "" {
			fmt.Fprintf(&s, `<line x1="%.0f" y1="%.0f" x2="%.0f" y2="%.0f" stroke="#333" stroke-width="1.5"/>`, e.x+6, e.y-1, e.x+6, e.y+13)
		} else {
			fmt.Fprintf(&s, `<rect x="%.0f" y="%.0f" width="12" height="12" fill="%s"/>`, e.x, e.y, e.color)
		}
		fmt.Fprintf(&s, `<text x="%.0f" y="%.0f">%s</text>`+"\n", e.x+16, e.y+10, esc(e.text))
	}
	bottom := height - 25
	for e := math.Log2(lo); e <= math.Log2(hi)+1e-9; e++ {
		v := math.Pow(2, e)
		x := xOf(v)
		stroke, w := "#ddd", 1.0
		if v == 1 {
			stroke, w = "#333", 1.5
		}
		fmt.Fprintf(&s, `<line x1="%.1f" y1="%.0f" x2="%.1f" y2="%.0f" stroke="%s" stroke-width="%.1f"/>`+"\n", x, top-8, x, bottom, stroke, w)
		lbl := fmt.Sprintf("%g×", v)
		if v < 1 {
			lbl = fmt.Sprintf("1/%g", 1/v)
		}
		fmt.Fprintf(&s, `<text x="%.1f" y="%.0f" text-anchor="middle" fill="#555">%s</text>`+"\n", x, bottom+14, lbl)
	}
	y := top
	for _, g := range gs {
		gh := float64(len(g.bars)) * barH
		fmt.Fprintf(&s, `<text x="%.0f" y="%.1f" text-anchor="end">%s</text>`+"\n", labelW-8, y+gh/2+4, esc(g.label))
		for _, b := range g.bars {
			x0, x1 := xOf(1), xOf(b.speedup)
			if x1 < x0 {
				x0, x1 = x1, x0
			}
			fmt.Fprintf(&s, `<rect x="%.1f" y="%.1f" width="%.1f" height="%.1f" fill="%s"><title>%s: %.2f×</title></rect>`+"\n",
				x0, y, math.Max(x1-x0, 1), barH-2, colors[b.variant], esc(r.title(b.variant)), b.speedup)
			tx := xOf(b.speedup)
			anchor := "start"
			tx += 3
			if b.speedup < 1 {
				tx -= 6
				anchor = "end"
			}
			fmt.Fprintf(&s, `<text x="%.1f" y="%.1f" font-size="9" text-anchor="%s" fill="#333">%.2f</text>`+"\n", tx, y+barH-3, anchor, b.speedup)
			y += barH
		}
		y += gap
		fmt.Fprintf(&s, `<line x1="%.0f" y1="%.1f" x2="%.0f" y2="%.1f" stroke="#eee"/>`+"\n", labelW-280, y-gap/2, width-10, y-gap/2)
	}
	s.WriteString("</svg>\n")
	return s.String()
}

// ---- issue 20: timers, the urgent lane, the A/B ------------------------------------

func (r *report) timersSection() {
	t := r.t
	r.p("## Timers and the urgent lane (`timer_bench`)\n\n")
	if !t.hasInput {
		r.p("missing: no timers.tsv (bench/c/timer_bench.c).\n\n")
		return
	}
	n, _ := strconv.Atoi(t.meta["timers"])
	r.p("Timer lateness: %s timers with delays spread uniformly over 0–%s ms, submitted at once; lateness = start − (time before the submit + delay). ", orQ(t.meta["timers"]), orQ(t.meta["spread_ms"]))
	r.p("GLib's `g_timeout_add` takes whole ms: its delays are rounded up and its lateness is measured from the rounded deadline, so it is not charged for the rounding; `g_source_set_ready_time` takes µs, but GLib's poll timeout is in ms either way. Medians of the repetitions.\n\n")
	r.p("| variant | median | p99 | mean |\n|---|---|---|---|\n")
	for _, v := range []string{"ctexec_timer", "ctexec_glib_timer", "glib_timeout", "glib_ready_time"} {
		if t.reps("timer_acc", v, n, "median") == 0 {
			if why, ok := t.missing[v]; ok {
				r.p("| %s | missing: %s | | |\n", r.title(v), why)
			}
			continue
		}
		r.p("| %s | %s | %s | %s |\n", r.title(v), fmtNs(t.med("timer_acc", v, n, "median")),
			fmtNs(t.med("timer_acc", v, n, "p99")), fmtNs(t.med("timer_acc", v, n, "mean")))
	}
	r.p("\nProcess CPU (getrusage) while the owner waits in `ctexec_run_until` for %s s: ", orQ(t.meta["idle_s"]))
	for _, p := range []int{n, 0} {
		r.p("%d timers pending 60 s out: %s; ", p, fmtMetric("cpu_ms_per_s", t.med("timer_cpu", "ctexec_timer", p, "cpu_ms_per_s")))
	}
	b, _ := strconv.Atoi(t.meta["backlog"])
	r.p("\n\nUrgent lane: time from the submit to the item's start; the owner is held by a gate item while the backlog is queued, then released right after the submit (so every row includes its wake-up from the gate).\n\n")
	r.p("| item | median | mean | normal items still queued when it started |\n|---|---|---|---|\n")
	for _, v := range []string{"urgent_empty", "urgent_backlog", "normal_backlog", "urgent_idle"} {
		if t.reps("urgent_lat", v, b, "median") == 0 {
			continue
		}
		q := "–"
		if t.reps("urgent_lat", v, b, "still_queued") > 0 {
			q = fmt.Sprintf("%.0f", t.med("urgent_lat", v, b, "still_queued"))
		}
		r.p("| %s | %s | %s | %s |\n", r.title(v), fmtNs(t.med("urgent_lat", v, b, "median")), fmtNs(t.med("urgent_lat", v, b, "mean")), q)
	}
	r.p("\n")
}

func (r *report) abSection() {
	a := r.ab
	r.p("## A/B: this tree against the library before issue 20 (`bench/ab`)\n\n")
	if !a.hasInput {
		r.p("missing: no ab.tsv.\n\n")
		return
	}
	r.p("ctexec_bench's `ctexec` variant, built at %s and at %s (each with its own library), %s rounds back to back, the order alternating; medians of the rounds.\n\n",
		orQ(a.meta["ab_base"]), orQ(a.meta["ab_head"]), orQ(a.meta["ab_rounds"]))
	r.p("| workload | submitters | base | head | head ÷ base |\n|---|---|---|---|---|\n")
	for _, w := range []string{"tp_fire", "tp_future"} {
		for _, p := range []int{1, 2} {
			x, y := a.med(w, "ctexec_base", p, "rate"), a.med(w, "ctexec_head", p, "rate")
			if math.IsNaN(x) && math.IsNaN(y) {
				continue
			}
			r.p("| %s | %d | %s | %s | %.3f× |\n", w, p, fmtRate(x), fmtRate(y), y/x)
		}
	}
	r.p("\n")
}

// ---- main ----------------------------------------------------------------------

func main() {
	dir := flag.String("dir", "bench/results", "directory with c.tsv, python.tsv, gobench.txt, machine.tsv, profile.md")
	md := flag.String("md", "bench/RESULTS.md", "the Markdown report to write")
	svgPath := flag.String("svg", "bench/ratios.svg", "the SVG chart to write")
	flag.Parse()

	r := &report{c: newDataset(), pl: newDataset(), py: newDataset(), t: newDataset(), ab: newDataset()}
	if err := r.c.readTSV(filepath.Join(*dir, "c.tsv")); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
	}
	if err := r.pl.readTSV(filepath.Join(*dir, "parkinglot.tsv")); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
	}
	if err := r.py.readTSV(filepath.Join(*dir, "python.tsv")); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
	}
	if err := r.t.readTSV(filepath.Join(*dir, "timers.tsv")); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
	}
	if err := r.ab.readTSV(filepath.Join(*dir, "ab.tsv")); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
	}
	if gb, err := readGoBench(filepath.Join(*dir, "gobench.txt")); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
	} else {
		r.gob = gb
	}
	r.machine, r.morder = readKV(filepath.Join(*dir, "machine.tsv"))
	r.capiAllocs = readCAPIAllocs(filepath.Join(*dir, "capi_allocs.txt"))
	r.cppText, r.cppTargets = readCpp(filepath.Join(*dir, "cpp.txt"))
	if !r.c.hasInput {
		fmt.Fprintln(os.Stderr, "report: no C benchmark samples; refusing to write an empty report")
		os.Exit(1)
	}

	svgRel, err := filepath.Rel(filepath.Dir(*md), *svgPath)
	if err != nil {
		svgRel = *svgPath
	}
	dirRel, err := filepath.Rel(filepath.Dir(*md), *dir)
	if err != nil {
		dirRel = *dir
	}
	r.p("# ctexec benchmark results\n\n")
	r.p("Written by `bench/run`")
	if d := r.machine["date"]; d != "" {
		r.p(" on %s", d)
	}
	r.p("; do not edit by hand. Raw samples: [`%s/`](%s/).\n\n", dirRel, dirRel)
	r.machineSection()
	r.targetsSection()
	r.p("## Chart\n\n![speed relative to pthread mutex/condvar](%s)\n\n", svgRel)
	r.methodSection()
	r.rtSection()
	r.tpSection("tp_fire", "Throughput, fire-and-forget")
	r.tpSection("tp_future", "Throughput with a future per item (freed after the wait)")
	r.parkinglotSection()
	r.growthSection()
	r.idleSection()
	r.allocSection()
	r.pythonSection()
	r.timersSection()
	r.abSection()
	if r.cppText != "" {
		r.p("## C++ layer (`bench/cpp_bench`)\n\n```\n%s\n```\n\n", strings.TrimSpace(r.cppText))
	}
	if notes, err := os.ReadFile(filepath.Join(*dir, "analysis.md")); err == nil {
		r.p("## Where the time goes\n\n%s\n\n", strings.TrimSpace(string(notes)))
	}
	if prof, err := os.ReadFile(filepath.Join(*dir, "profile.md")); err == nil {
		r.p("## Profile\n\n%s\n", strings.TrimSpace(string(prof)))
	}
	if err := os.WriteFile(*md, []byte(r.b.String()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*svgPath, []byte(r.svg()), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "report:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "report: wrote %s and %s\n", *md, *svgPath)
}
