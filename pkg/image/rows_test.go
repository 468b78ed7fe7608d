package image

import (
	"strings"
	"testing"
	"time"
)

func TestRowsSortAndIDs(t *testing.T) {
	now := time.Now()
	list := []Summary{
		{ID: strings.Repeat("f", 64), Names: []string{"b/x:1", "a/x:2"}, Size: 5, CreatedTime: now},
		{ID: strings.Repeat("a", 64), Names: []string{"c/x:0"}, Size: 1, CreatedTime: now.Add(-time.Hour)},
		{ID: strings.Repeat("0", 64), Size: 3, CreatedTime: now.Add(-2 * time.Hour)},
	}
	rows := Rows(list, true, now)
	if len(rows) != 4 || rows[3].Repository != "<none>" || rows[3].Tag != "<none>" {
		t.Fatalf("one row per tagged name, one for the nameless: %+v", rows)
	}
	if err := SortRows(rows, "repository"); err != nil {
		t.Fatal(err)
	}
	if rows[0].Repository != "<none>" || rows[1].Repository != "docker.io/a/x" || rows[3].Repository != "docker.io/c/x" {
		t.Errorf("sorted by repository: %v %v %v", rows[0].Repository, rows[1].Repository, rows[3].Repository)
	}
	if err := SortRows(rows, "size"); err != nil {
		t.Fatal(err)
	}
	if rows[0].Size != "1 B" || rows[0].ID != "sha256:"+strings.Repeat("a", 64) {
		t.Errorf("sorted by size, no-trunc id: %s %s", rows[0].Size, rows[0].ID)
	}
	if short := Rows(list[:1], false, now); short[0].ID != "ffffffffffff" {
		t.Errorf("truncated id: %s", short[0].ID)
	}
	if err := SortRows(rows, "colour"); err == nil || !strings.Contains(err.Error(), "created, id, repository, size, tag") {
		t.Errorf("bad sort key: %v", err)
	}
}
