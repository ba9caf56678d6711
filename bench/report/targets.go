package main

import (
	"fmt"
	"math"
	"strings"
)

// target is one evaluated line of the targets table.
type target struct {
	figure, goal, measured string
	met                    string // "met", "**not met**", "missing"
}

// targetRow is one line of the targets table: the figure, the target as
// text, how to compute it (a dataset, a workload, a variant, a parameter and
// a metric, divided by the same figure of variant vs when vs is set) and the
// threshold the value or ratio must meet. In figure and goal, {v} and {vs}
// stand for the titles of v and vs.
type targetRow struct {
	figure, goal string
	data         string // "c": ctexec_bench; "pl": the parking-lot copy's run; "py": python_bench; "t": timer_bench; "ab": bench/ab
	w, v         string
	p            int
	metric       string
	vs           string // "" when the threshold is on the value itself
	atMost       bool   // the value must be ≤ limit; otherwise ≥ limit
	limit        float64
	// expand, when set, replaces the row by rows from another source.
	expand func(r *report) []target
}

// targetTable lists every target the report checks, in the order shown.
// Ratios are within one run. A target on a mean shows the median beside it.
var targetTable = []targetRow{
	// Futures in C memory: throughput with a future per item.
	{figure: "throughput with a future per item, 2 submitters (64 in flight, wait + free)", goal: "≥ 1.5× pthread with per-item completion",
		data: "c", w: "tp_future", v: "ctexec", p: 2, metric: "rate", vs: base, limit: 1.5},
	{figure: "throughput with a future per item, 1 submitter (64 in flight, wait + free)", goal: "≥ 1.0× pthread with per-item completion",
		data: "c", w: "tp_future", v: "ctexec", p: 1, metric: "rate", vs: base, limit: 1.0},
	{figure: "throughput with a future per item, 4 submitters (64 in flight, wait + free)", goal: "≥ 1.0× pthread with per-item completion",
		data: "c", w: "tp_future", v: "ctexec", p: 4, metric: "rate", vs: base, limit: 1.0},
	{figure: "throughput with a future per item, 8 submitters (64 in flight, wait + free)", goal: "≥ 1.0× pthread with per-item completion",
		data: "c", w: "tp_future", v: "ctexec", p: 8, metric: "rate", vs: base, limit: 1.0},
	// The round trip with both threads on CPU. rt_tight times back-to-back
	// calls as a whole (no clock read per call), the floor comparison; rt
	// times each call, for the percentiles.
	{figure: "round trip, both threads on CPU, back-to-back, **mean** as total time ÷ calls: {v}", goal: "≤ 2× {vs} timed the same way",
		data: "c", w: "rt_tight", v: "ctexec", metric: "mean", vs: "spin_mailbox", atMost: true, limit: 2},
	{figure: "round trip, both threads on CPU, back-to-back, **mean** as total time ÷ calls: {v}", goal: "≤ 2× {vs} timed the same way",
		data: "c", w: "rt_tight", v: "ctexec_call", metric: "mean", vs: "spin_mailbox", atMost: true, limit: 2},
	{figure: "round trip, both threads on CPU, each call timed, **mean**: {v}", goal: "≤ 2× {vs}",
		data: "c", w: "rt", v: "ctexec", metric: "mean", vs: "spin_mailbox", atMost: true, limit: 2},
	{figure: "the same, median: {v}", goal: "≤ 400 ns",
		data: "c", w: "rt", v: "ctexec", metric: "median", atMost: true, limit: 400},
	{figure: "round trip, both threads on CPU, each call timed, **mean**: {v}", goal: "≤ 2× {vs}",
		data: "c", w: "rt", v: "ctexec_call", metric: "mean", vs: "spin_mailbox", atMost: true, limit: 2},
	{figure: "the same, median: {v}", goal: "≤ 400 ns",
		data: "c", w: "rt", v: "ctexec_call", metric: "median", atMost: true, limit: 400},
	{figure: "round trip, both sides sleeping, median: {v}", goal: "≤ 1.1× pthread",
		data: "c", w: "rt", v: "ctexec_nospin", metric: "median", vs: base, atMost: true, limit: 1.1},
	{figure: "round trip, both sides sleeping, median: {v}", goal: "≤ 1.1× pthread",
		data: "c", w: "rt", v: "ctexec_call_nospin", metric: "median", vs: base, atMost: true, limit: 1.1},
	{expand: (*report).allocTargets},
	{figure: "memory per queued item, with a future", goal: "≤ 96 B",
		data: "c", w: "growth_future", v: "ctexec", metric: "bytes_per_item", atMost: true, limit: 96},
	{figure: "fire-and-forget throughput, 2 submitters (no loss beyond noise: 2.2–2.6× pthread, 1.3× libuv before)", goal: "≥ 1.5× {vs}",
		data: "c", w: "tp_fire", v: "ctexec", p: 2, metric: "rate", vs: "pthread", limit: 1.5},
	{figure: "fire-and-forget throughput, 2 submitters (no loss beyond noise: 2.2–2.6× pthread, 1.3× libuv before)", goal: "≥ 1× {vs}",
		data: "c", w: "tp_fire", v: "ctexec", p: 2, metric: "rate", vs: "libuv", limit: 1},
	// Python: means, which is what a request pays.
	{figure: "Python `submit(fn).result()` round trip, mean", goal: "≤ 0.5× asgiref",
		data: "py", w: "py_rt", v: "py_ctexec", metric: "mean", vs: "py_asgiref", atMost: true, limit: 0.5},
	{figure: "Python Django pattern, mean per `async_to_sync` call with one await", goal: "≤ 1.0× asgiref",
		data: "py", w: "py_dj", v: "py_ctexec", metric: "mean", vs: "py_asgiref", atMost: true, limit: 1.0},
	{figure: "Python Django pattern, mean per await of `sync_to_async(thread_sensitive=True)` inside one `async_to_sync`", goal: "≤ 0.8× asgiref",
		data: "py", w: "py_dj_await", v: "py_ctexec", metric: "mean", vs: "py_asgiref", atMost: true, limit: 0.8},
	{figure: "Python Django pattern, context switches of the whole process per await (getrusage)", goal: "≤ asgiref's",
		data: "py", w: "py_dj_await", v: "py_ctexec", metric: "ctxsw", vs: "py_asgiref", atMost: true, limit: 1.0},
	{figure: "Python throughput, 2 submitters", goal: "≥ 2× asgiref",
		data: "py", w: "py_tp", v: "py_ctexec", p: 2, metric: "rate", vs: "py_asgiref", limit: 2},
	// ctexec embedded in host loops.
	{figure: "items/s through a GLib loop with ctexec embedded, 2 submitters", goal: "≥ 10.0× {vs}",
		data: "c", w: "tp_fire", v: "ctexec_glib", p: 2, metric: "rate", vs: "glib", limit: 10},
	{figure: "items/s through a libuv loop with ctexec embedded, 2 submitters", goal: "≥ 1.0× {vs}",
		data: "c", w: "tp_fire", v: "ctexec_uv", p: 2, metric: "rate", vs: "libuv", limit: 1},
	{figure: "round trip into an embedded GLib loop, median", goal: "≤ 1.1× {vs}",
		data: "c", w: "rt", v: "ctexec_glib", metric: "median", vs: "glib", atMost: true, limit: 1.1},
	// The safety options: each against ctexec without it, in the same run.
	{figure: "fire-and-forget throughput, 2 submitters, statistics on", goal: "≥ 0.95× {vs}",
		data: "c", w: "tp_fire", v: "ctexec_stats", p: 2, metric: "rate", vs: "ctexec", limit: 0.95},
	{figure: "fire-and-forget throughput, 2 submitters, bounded at 1,024 (block)", goal: "≥ 0.80× {vs}",
		data: "c", w: "tp_fire", v: "ctexec_bounded", p: 2, metric: "rate", vs: "ctexec", limit: 0.8},
	{figure: "round trip, both sides sleeping, median, the waiter owns an executor (deadlock-checked)", goal: "≤ 1.05× {vs}",
		data: "c", w: "rt", v: "ctexec_owner_nospin", metric: "median", vs: "ctexec_nospin", atMost: true, limit: 1.05},
	{figure: "the same, mean", goal: "≤ 1.05× {vs}",
		data: "c", w: "rt", v: "ctexec_owner_nospin", metric: "mean", vs: "ctexec_nospin", atMost: true, limit: 1.05},
	// The parking-lot copy, against the pthread queue measured in the same
	// process.
	{figure: "parking-lot copy: round trip, both sides sleeping, median: {v}", goal: "≤ 1.2× pthread (same process)",
		data: "pl", w: "rt", v: "ctexec_nospin", metric: "median", vs: base, atMost: true, limit: 1.2},
	{figure: "parking-lot copy: fire-and-forget throughput, 2 submitters: {v}", goal: "≥ 1.5× pthread (same process)",
		data: "pl", w: "tp_fire", v: "ctexec", p: 2, metric: "rate", vs: base, limit: 1.5},
	{figure: "parking-lot copy: fire-and-forget throughput, 2 submitters: {v}", goal: "≥ 1.5× pthread (same process)",
		data: "pl", w: "tp_fire", v: "ctexec_nospin", p: 2, metric: "rate", vs: base, limit: 1.5},
	// Issue 20: timers (timer_bench; lateness in ns, 1,000 timers spread
	// over 0-500 ms), the urgent lane behind 100,000 normal items, and the
	// A/B of this tree against the library before the issue (bench/ab).
	{figure: "timer lateness, idle owner in `ctexec_run_until`, 1,000 timers at spread deadlines, median", goal: "≤ 100 µs",
		data: "t", w: "timer_acc", v: "ctexec_timer", p: 1000, metric: "median", atMost: true, limit: 100e3},
	{figure: "the same, p99", goal: "≤ 2 ms",
		data: "t", w: "timer_acc", v: "ctexec_timer", p: 1000, metric: "p99", atMost: true, limit: 2e6},
	{figure: "timer lateness, ctexec embedded in a GLib loop (fd + `ctexec_next_deadline`), median", goal: "≤ 100 µs",
		data: "t", w: "timer_acc", v: "ctexec_glib_timer", p: 1000, metric: "median", atMost: true, limit: 100e3},
	{figure: "the same, p99", goal: "≤ 2 ms",
		data: "t", w: "timer_acc", v: "ctexec_glib_timer", p: 1000, metric: "p99", atMost: true, limit: 2e6},
	{figure: "process CPU while 1,000 timers are pending 60 s out (owner in `ctexec_run_until`)", goal: "< 5 ms per s",
		data: "t", w: "timer_cpu", v: "ctexec_timer", p: 1000, metric: "cpu_ms_per_s", atMost: true, limit: 5},
	{figure: "urgent item's latency behind 100,000 queued normal items, median", goal: "≤ 2× {vs}",
		data: "t", w: "urgent_lat", v: "urgent_backlog", p: 100000, metric: "median", vs: "urgent_empty", atMost: true, limit: 2},
	{figure: "A/B fire-and-forget throughput, 2 submitters, no timers or urgent items: HEAD", goal: "≥ 0.97× {vs}",
		data: "ab", w: "tp_fire", v: "ctexec_head", p: 2, metric: "rate", vs: "ctexec_base", limit: 0.97},
	{figure: "A/B fire-and-forget throughput, 1 submitter: HEAD", goal: "≥ 0.97× {vs}",
		data: "ab", w: "tp_fire", v: "ctexec_head", p: 1, metric: "rate", vs: "ctexec_base", limit: 0.97},
	{figure: "A/B throughput with a future per item, 2 submitters: HEAD", goal: "≥ 0.97× {vs}",
		data: "ab", w: "tp_future", v: "ctexec_head", p: 2, metric: "rate", vs: "ctexec_base", limit: 0.97},
	{figure: "A/B throughput with a future per item, 1 submitter: HEAD", goal: "≥ 0.97× {vs}",
		data: "ab", w: "tp_future", v: "ctexec_head", p: 1, metric: "rate", vs: "ctexec_base", limit: 0.97},
	// The C++ layer, from bench/cpp_bench's own verdicts: call, submit, the
	// coroutine hop (<= 1.3x cte::executor::call) and, when built with Asio,
	// "asio post 2 threads >= 1.0x io_context" (asio::post onto
	// cte::asio_executor against onto an io_context on the owner).
	{expand: func(r *report) []target { return r.cppTargets }},
}

func verdict(ok bool, measurable bool) string {
	if !measurable {
		return "missing"
	}
	if ok {
		return "met"
	}
	return "**not met**"
}

func (r *report) dataset(name string) *dataset {
	switch name {
	case "pl":
		return r.pl
	case "py":
		return r.py
	case "t":
		return r.t
	case "ab":
		return r.ab
	}
	return r.c
}

// fmtMetric shows a value of metric in its unit.
func fmtMetric(metric string, v float64) string {
	switch {
	case math.IsNaN(v):
		return "–"
	case metric == "rate" || strings.HasSuffix(metric, "_rate"):
		return fmtRate(v)
	case metric == "bytes_per_item":
		return fmtBytes(v)
	case metric == "ctxsw":
		return fmt.Sprintf("%.2f", v)
	case metric == "cpu_ms_per_s":
		return fmt.Sprintf("%.2f ms/s", v)
	}
	return fmtNs(v)
}

// evaluate computes one row; a figure that was not measured gives NaN and
// the verdict "missing".
func (r *report) evaluate(row targetRow) target {
	d := r.dataset(row.data)
	names := strings.NewReplacer("{v}", r.title(row.v), "{vs}", r.title(row.vs))
	x := d.med(row.w, row.v, row.p, row.metric)
	val, measured := x, fmtMetric(row.metric, x)
	if row.vs != "" {
		b := d.med(row.w, row.vs, row.p, row.metric)
		val = x / b
		measured = fmt.Sprintf("%.2f× (%s vs %s)", val, fmtMetric(row.metric, x), fmtMetric(row.metric, b))
		if row.metric == "mean" && d.reps(row.w, row.v, row.p, "median") > 0 {
			mx, mb := d.med(row.w, row.v, row.p, "median"), d.med(row.w, row.vs, row.p, "median")
			measured += fmt.Sprintf("; median %.2f× (%s vs %s)", mx/mb, fmtNs(mx), fmtNs(mb))
		}
	}
	ok := val >= row.limit
	if row.atMost {
		ok = val <= row.limit
	}
	return target{names.Replace(row.figure), names.Replace(row.goal), measured, verdict(ok, !math.IsNaN(val))}
}

func (r *report) targets() []target {
	var t []target
	for _, row := range targetTable {
		if row.expand != nil {
			t = append(t, row.expand(r)...)
			continue
		}
		t = append(t, r.evaluate(row))
	}
	for i := range t {
		if t[i].met == "missing" {
			t[i].measured = "not measured"
		}
	}
	return t
}

// allocTargets are the C API allocation self-test's lines, one per path.
func (r *report) allocTargets() []target {
	if len(r.capiAllocs) == 0 {
		return []target{{"Go allocations per item with a future, through the C API", "0 in steady state", "", "missing"}}
	}
	var t []target
	for _, a := range r.capiAllocs {
		t = append(t, target{"Go allocations per item with a future, through the C API: " + a.what, "0 in steady state",
			fmt.Sprintf("%.5f (%d for %d items, the run's fixed cost)", float64(a.allocs)/float64(a.items), a.allocs, a.items),
			verdict(a.allocs <= 64, true)})
	}
	return t
}

func (r *report) targetsSection() {
	r.p("## Targets\n\nRatios within this run; medians of the repetitions unless the figure says mean.\n\n| figure | target | measured | |\n|---|---|---|---|\n")
	for _, t := range r.targets() {
		r.p("| %s | %s | %s | %s |\n", t.figure, t.goal, t.measured, t.met)
	}
	r.p("\n")
}
