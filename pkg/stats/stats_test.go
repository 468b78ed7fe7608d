package stats

import (
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestCounterFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	if got := keyedValues(write("cpu.stat", "usage_usec 1500\nuser_usec 1000\n")); got["usage_usec"] != 1500 || got["user_usec"] != 1000 {
		t.Errorf("keyedValues: %v", got)
	}
	if singleValue(write("memory.max", "max\n")) != 0 || singleValue(write("memory.current", "4096\n")) != 4096 {
		t.Error("singleValue: max must read as 0 (no limit), a number as itself")
	}
	r, w := ioBytes(write("io.stat", "8:0 rbytes=10 wbytes=20 rios=1\n8:16 rbytes=5 wbytes=1\n"))
	if r != 15 || w != 21 {
		t.Errorf("ioBytes: %d %d, want 15 21", r, w)
	}
}

func TestSetCPU(t *testing.T) {
	start := time.Unix(1000, 0)
	s := Sample{CPUNano: uint64(2 * time.Second), Sampled: start.Add(4 * time.Second)}
	s.SetCPU(Sample{}, start)
	if s.AvgCPU != 50 || s.CPU != 50 {
		t.Fatalf("no previous sample: avg %v cpu %v, want 50 50", s.AvgCPU, s.CPU)
	}
	prev := Sample{CPUNano: uint64(1 * time.Second), Sampled: start.Add(3 * time.Second)}
	s.SetCPU(prev, start)
	if s.CPU != 100 {
		t.Fatalf("over the last second: %v, want 100", s.CPU)
	}
}
