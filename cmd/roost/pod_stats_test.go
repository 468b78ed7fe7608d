package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/roost-containers/roost/pkg/stats"
	"github.com/roost-containers/roost/pods"
)

// TestPodStatsPrintsPodmansColumns: the table has Podman's POD, CID and
// NAME columns before the figures, and --format json gives Podman's field
// names.
func TestPodStatsPrintsPodmansColumns(t *testing.T) {
	list := []pods.Stats{{PodID: strings.Repeat("a", 64), Stats: stats.Sample{
		ContainerID: strings.Repeat("b", 64), Name: "web", CPU: 12.5, MemUsage: 1 << 20, MemLimit: 1 << 30, PIDs: 3,
	}}}
	var out bytes.Buffer
	if err := (&app{out: &out}).printPodStats(list, ""); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "POD") || !strings.Contains(lines[0], "CID") || !strings.Contains(lines[0], "MEM USAGE / LIMIT") {
		t.Fatalf("table: %q", out.String())
	}
	if f := strings.Fields(lines[1]); f[0] != strings.Repeat("a", 12) || f[1] != strings.Repeat("b", 12) || f[2] != "web" || f[3] != "12.50%" {
		t.Fatalf("row: %q", lines[1])
	}
	out.Reset()
	if err := (&app{out: &out}).printPodStats(list, "json"); err != nil {
		t.Fatal(err)
	}
	var rows []map[string]string
	if err := json.Unmarshal(out.Bytes(), &rows); err != nil || len(rows) != 1 {
		t.Fatalf("json: %v %q", err, out.String())
	}
	for _, k := range []string{"Pod", "CID", "Name", "CPU", "MemUsage", "MemUsageBytes", "Mem", "NetIO", "BlockIO", "PIDS"} {
		if _, ok := rows[0][k]; !ok {
			t.Fatalf("json lacks %s: %v", k, rows[0])
		}
	}
	if rows[0]["PIDS"] != "3" {
		t.Fatalf("PIDS = %q", rows[0]["PIDS"])
	}
}
