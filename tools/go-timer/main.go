// go-timer: how late does time.Sleep return in a real Go process?
//
// The real counterpart of experiments/timer-slop-real.ini (the GMP model,
// models/gmp.c). Started as a real program starts goroutines: the main
// goroutine launches, with `go f()`, S sleepers and then k CPU-bound
// goroutines, and sleeps until the measurement is over. Each sleeper first
// sleeps a random phase U(0, d) (not measured), then loops on
// time.Sleep(d) and records lateness = realised - nominal sleep, after a
// warm-up. The CPU-bound goroutines never yield (only the runtime's
// preemption stops them); with -alloc N each allocates N bytes after every
// work unit of 10,000 xorshift steps, which drives GC through the pacer.
//
// Output: one CSV line (header with -header) with the configuration, the
// lateness quantiles (ns), GC cycles and pauses, the allocation rate per
// CPU-second, the Go version and the CPUs; with -hist, the lateness
// histogram as lines "hist,LOWER,UPPER,COUNT" (ns, 8 buckets per power
// of 2, the buckets of the simulator's histograms with 3 bits). other_cpu_s
// is the CPU time every other process on the machine used meanwhile
// (/proc/stat): a measurement made next to other work is marked so.
//
// Build: go build -o build/go-timer ./tools/go-timer (make go-probe).
package main

import (
	"flag"
	"fmt"
	"math/bits"
	"math/rand"
	"os"
	"runtime"
	"runtime/metrics"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

var stop int32 // 1: the measurement is over

// sinks keeps each CPU-bound goroutine's last allocation reachable, so the
// allocation escapes to the heap.
var sinks [1024][]byte

// hog is a CPU-bound goroutine that never yields: no blocking call, no
// runtime.Gosched; with alloc > 0 it calls the allocator every work unit.
func hog(id int, alloc int, units *int64) {
	x := uint64(88172645463325252) + uint64(id)
	n := int64(0)
	for atomic.LoadInt32(&stop) == 0 {
		for i := 0; i < 10000; i++ {
			x ^= x << 13
			x ^= x >> 7
			x ^= x << 17
		}
		if alloc > 0 {
			b := make([]byte, alloc)
			b[0] = byte(x)
			sinks[id%len(sinks)] = b
		}
		n++
	}
	atomic.AddInt64(units, n+int64(x&1)) // x&1 keeps the loop from being optimised away
}

// sleeper sleeps d in a loop; lateness of the sleeps that start after
// `from` and end before `until` go to *out.
func sleeper(d, phase time.Duration, from, until time.Time, out *[]int64, wg *sync.WaitGroup) {
	defer wg.Done()
	time.Sleep(phase)
	for atomic.LoadInt32(&stop) == 0 {
		t0 := time.Now()
		time.Sleep(d)
		t1 := time.Now()
		if t0.After(from) && t1.Before(until) {
			*out = append(*out, int64(t1.Sub(t0)-d))
		}
		if !t1.Before(until) {
			return
		}
	}
}

func quantile(s []int64, q float64) int64 {
	if len(s) == 0 {
		return -1
	}
	i := int(q*float64(len(s)-1) + 0.5)
	return s[i]
}

// bucket of v >= 0: values below 8 exact, then 8 buckets per power of 2.
func bucket(v int64) (lo, hi int64) {
	if v < 8 {
		return v, v
	}
	e := 63 - bits.LeadingZeros64(uint64(v)) // v in [2^e, 2^(e+1))
	w := int64(1) << (e - 3)
	lo = v / w * w
	return lo, lo + w - 1
}

func cpuSeconds() float64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return -1
	}
	tv := func(t syscall.Timeval) float64 { return float64(t.Sec) + float64(t.Usec)/1e6 }
	return tv(ru.Utime) + tv(ru.Stime)
}

// hostBusySeconds: CPU-seconds every process on the machine has used
// (/proc/stat's first line: all but idle and iowait), or -1.
func hostBusySeconds() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return -1
	}
	f := strings.Fields(strings.SplitN(string(b), "\n", 2)[0])
	if len(f) < 8 || f[0] != "cpu" {
		return -1
	}
	var busy float64
	for i, v := range f[1:] {
		var x float64
		fmt.Sscan(v, &x)
		if i != 3 && i != 4 { // idle, iowait
			busy += x
		}
	}
	return busy / 100 // USER_HZ
}

func readMetrics() (cycles, allocBytes uint64, pauses *metrics.Float64Histogram) {
	s := []metrics.Sample{{Name: "/gc/cycles/total:gc-cycles"}, {Name: "/gc/heap/allocs:bytes"}, {Name: "/gc/pauses:seconds"}}
	metrics.Read(s)
	if s[0].Value.Kind() == metrics.KindUint64 {
		cycles = s[0].Value.Uint64()
	}
	if s[1].Value.Kind() == metrics.KindUint64 {
		allocBytes = s[1].Value.Uint64()
	}
	if s[2].Value.Kind() == metrics.KindFloat64Histogram {
		pauses = s[2].Value.Float64Histogram()
	}
	return
}

// pauseStats: the count, median and largest pause (ns, bucket upper
// bounds) between two readings of /gc/pauses:seconds.
func pauseStats(a, b *metrics.Float64Histogram) (n uint64, p50, max int64) {
	if a == nil || b == nil || len(a.Counts) != len(b.Counts) {
		return 0, -1, -1
	}
	d := make([]uint64, len(b.Counts))
	for i := range d {
		d[i] = b.Counts[i] - a.Counts[i]
		n += d[i]
	}
	if n == 0 {
		return 0, -1, -1
	}
	up := func(i int) int64 { return int64(b.Buckets[i+1] * 1e9) }
	var c uint64
	p50 = -1
	for i := range d {
		c += d[i]
		if p50 < 0 && 2*c >= n {
			p50 = up(i)
		}
		if d[i] > 0 {
			max = up(i)
		}
	}
	return
}

func main() {
	procs := flag.Int("procs", 1, "GOMAXPROCS")
	d := flag.Duration("sleep", time.Millisecond, "each sleeper's time.Sleep")
	k := flag.Int("k", 0, "CPU-bound goroutines that never yield")
	s := flag.Int("sleepers", 10, "sleeping goroutines")
	alloc := flag.Int("alloc", 0, "bytes each CPU-bound goroutine allocates per work unit (0: none)")
	dur := flag.Duration("duration", 4*time.Second, "measurement")
	warm := flag.Duration("warmup", 500*time.Millisecond, "warm-up before measuring")
	seed := flag.Int64("seed", 1, "sleepers' random phases")
	header := flag.Bool("header", false, "print the CSV header first")
	hist := flag.Bool("hist", false, "print the lateness histogram after the line")
	flag.Parse()
	if *procs < 1 || *k < 0 || *s < 1 || *d <= 0 || *alloc < 0 {
		fmt.Fprintln(os.Stderr, "go-timer: bad arguments")
		os.Exit(2)
	}
	runtime.GOMAXPROCS(*procs)
	rng := rand.New(rand.NewSource(*seed))
	start := time.Now()
	from, until := start.Add(*warm), start.Add(*warm+*dur)
	per := int(*dur / *d) + 16
	outs := make([][]int64, *s)
	var wg sync.WaitGroup
	var units int64
	for i := 0; i < *s; i++ {
		outs[i] = make([]int64, 0, per)
		wg.Add(1)
		go sleeper(*d, time.Duration(rng.Int63n(int64(*d))), from, until, &outs[i], &wg)
	}
	for i := 0; i < *k; i++ {
		go hog(i, *alloc, &units)
	}
	time.Sleep(*warm)
	c0, a0, p0 := readMetrics()
	cpu0, host0 := cpuSeconds(), hostBusySeconds()
	wg.Wait()
	c1, a1, p1 := readMetrics()
	cpu1, host1 := cpuSeconds(), hostBusySeconds()
	atomic.StoreInt32(&stop, 1)

	var all []int64
	for _, o := range outs {
		all = append(all, o...)
	}
	sort.Slice(all, func(i, j int) bool { return all[i] < all[j] })
	var sum float64
	for _, v := range all {
		sum += float64(v)
	}
	mean := -1.0
	if len(all) > 0 {
		mean = sum / float64(len(all))
	}
	np, pp50, pmax := pauseStats(p0, p1)
	cpu := cpu1 - cpu0
	other := -1.0 // CPU-seconds of every other process during the measurement
	if host0 >= 0 && host1 >= 0 {
		other = host1 - host0 - cpu
		if other < 0 {
			other = 0
		}
	}
	rate := -1.0
	if cpu > 0 {
		rate = float64(a1-a0) / (1 << 20) / cpu
	}
	load, _ := os.ReadFile("/proc/loadavg")
	la := strings.Fields(string(load) + " -1")[0]
	if *header {
		fmt.Println("procs,sleep_ns,k,alloc,sleepers,duration_s,samples,p50_ns,p90_ns,p99_ns,mean_ns,max_ns," +
			"gc_cycles,gc_pauses,gc_pause_p50_ns,gc_pause_max_ns,alloc_mib,alloc_mib_per_cpu_s,cpu_s,loadavg1,go_version,ncpu," +
			"other_cpu_s")
	}
	max := int64(-1)
	if len(all) > 0 {
		max = all[len(all)-1]
	}
	fmt.Printf("%d,%d,%d,%d,%d,%.3f,%d,%d,%d,%d,%.0f,%d,%d,%d,%d,%d,%.3f,%.3f,%.3f,%s,%s,%d,%.2f\n",
		*procs, int64(*d), *k, *alloc, *s, dur.Seconds(), len(all),
		quantile(all, 0.5), quantile(all, 0.9), quantile(all, 0.99), mean, max,
		c1-c0, np, pp50, pmax, float64(a1-a0)/(1<<20), rate, cpu, la, runtime.Version(), runtime.NumCPU(), other)
	if *hist {
		for i := 0; i < len(all); {
			v := all[i]
			if v < 0 {
				v = 0
			}
			lo, hi := bucket(v)
			j := i
			for j < len(all) && (all[j] <= hi || all[j] < 0) {
				j++
			}
			fmt.Printf("hist,%d,%d,%d\n", lo, hi, j-i)
			i = j
		}
	}
	os.Exit(0)
}
