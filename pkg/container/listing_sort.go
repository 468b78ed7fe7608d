package container

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// SortKeys are the keys ps --sort accepts, Podman's set.
var SortKeys = []string{"command", "created", "id", "image", "names", "runningfor", "size", "status"}

// SortListings orders rows by one of SortKeys, ascending, keeping the order
// of equal rows. runningfor is by start time, status by state name, size by
// root filesystem size, as in Podman.
func SortListings(rows []Listing, key string) error {
	less, ok := sortLess[key]
	if !ok {
		return fmt.Errorf("%q is not a valid value.  Choose from: %q", key, strings.Join(SortKeys, ", "))
	}
	sort.SliceStable(rows, func(i, j int) bool { return less(&rows[i], &rows[j]) })
	return nil
}

// ValidSortKey says whether key is one of SortKeys.
func ValidSortKey(key string) bool { return slices.Contains(SortKeys, key) }

var sortLess = map[string]func(a, b *Listing) bool{
	"command": func(a, b *Listing) bool {
		return strings.Join(a.Command, " ") < strings.Join(b.Command, " ")
	},
	"created":    func(a, b *Listing) bool { return a.created.Before(b.created) },
	"id":         func(a, b *Listing) bool { return a.ID < b.ID },
	"image":      func(a, b *Listing) bool { return a.Image < b.Image },
	"names":      func(a, b *Listing) bool { return firstName(a) < firstName(b) },
	"runningfor": func(a, b *Listing) bool { return a.StartedAt < b.StartedAt },
	"status":     func(a, b *Listing) bool { return a.State < b.State },
	"size": func(a, b *Listing) bool {
		return a.Size != nil && b.Size != nil && a.Size.RootFsSize < b.Size.RootFsSize
	},
}

func firstName(l *Listing) string {
	if len(l.Names) == 0 {
		return ""
	}
	return l.Names[0]
}
