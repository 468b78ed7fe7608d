package image

import (
	"fmt"
	"sort"
	"strings"
	"time"
)

// Row is one line of `images`: an image under one of its names. Its fields
// are what --format templates use ({{.Repository}}, {{.ID}}, {{.Size}}...),
// with Podman's names; sizes and times are already human text.
type Row struct {
	Repository, Tag string
	ID              string // 12 characters, or sha256:<all 64> with noTrunc
	Digest          string
	Created         string // "2 hours ago"
	CreatedSince    string
	CreatedAt       string
	Size            string
	VirtualSize     string
	SharedSize      string
	Names           []string
	RepoDigests     []string
	Labels          map[string]string
	Containers      int
	Dangling        bool
	History         string

	s Summary // for sorting
}

// Rows gives each image one row per tagged name, or a single row (<none>
// <none> when it has no name), at time now.
func Rows(list []Summary, noTrunc bool, now time.Time) []Row {
	var rows []Row
	for _, s := range list {
		base := newRow(s, noTrunc, now)
		var tagged []Row
		for _, n := range s.Names {
			r := base
			r.Repository, r.Tag = SplitName(n)
			if r.Tag != "<none>" {
				tagged = append(tagged, r)
			} else if base.Repository == "<none>" {
				base.Repository = r.Repository
			}
		}
		if len(tagged) == 0 {
			tagged = []Row{base}
		}
		rows = append(rows, tagged...)
	}
	return rows
}

func newRow(s Summary, noTrunc bool, now time.Time) Row {
	id := s.ID[:min(12, len(s.ID))]
	if noTrunc {
		id = "sha256:" + s.ID
	}
	ago := HumanAgo(s.CreatedTime, now)
	return Row{
		Repository: "<none>", Tag: "<none>", ID: id, Digest: s.Digest,
		Created: ago, CreatedSince: ago, CreatedAt: s.CreatedTime.String(),
		Size: HumanSize(s.Size), VirtualSize: HumanSize(s.VirtualSize), SharedSize: HumanSize(s.SharedSize),
		Names: s.Names, RepoDigests: s.RepoDigests, Labels: s.Labels, Containers: s.Containers,
		Dangling: s.Dangling, History: strings.Join(s.History, ", "), s: s,
	}
}

// SortKeys are the values of `images --sort`.
var SortKeys = []string{"created", "id", "repository", "size", "tag"}

var rowLess = map[string]func(a, b Row) bool{
	"created":    func(a, b Row) bool { return a.s.CreatedTime.After(b.s.CreatedTime) },
	"id":         func(a, b Row) bool { return a.s.ID < b.s.ID },
	"repository": func(a, b Row) bool { return a.Repository < b.Repository },
	"size":       func(a, b Row) bool { return a.s.Size < b.s.Size },
	"tag":        func(a, b Row) bool { return a.Tag < b.Tag },
}

// SortRows orders rows by one of SortKeys, keeping the order of ties.
func SortRows(rows []Row, key string) error {
	less, ok := rowLess[key]
	if !ok {
		return fmt.Errorf("%q is not a valid field for sorting: choose from %s", key, strings.Join(SortKeys, ", "))
	}
	sort.SliceStable(rows, func(i, j int) bool { return less(rows[i], rows[j]) })
	return nil
}
