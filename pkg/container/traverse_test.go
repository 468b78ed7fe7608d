package container

import (
	"reflect"
	"testing"
)

func TestWithSearchKeepsTheKernelsOrder(t *testing.T) {
	// A plain 0700 directory: a user entry and a mask that lets search
	// through, the owning group still without rights.
	plain := []aclEntry{{aclUserObj, 7, aclNoID}, {aclGrpObj, 0, aclNoID}, {aclOther, 0, aclNoID}}
	want := []aclEntry{{aclUserObj, 7, aclNoID}, {aclUser, 1, 100}, {aclGrpObj, 0, aclNoID}, {aclMask, 1, aclNoID}, {aclOther, 0, aclNoID}}
	if got := withSearch(plain, 100); !reflect.DeepEqual(got, want) {
		t.Fatalf("plain: got %v, want %v", got, want)
	}
	// An existing ACL: the new id goes between the others by number, the
	// mask widens, an existing entry for the id gains search.
	acl := []aclEntry{{aclUserObj, 7, aclNoID}, {aclUser, 1, 50}, {aclUser, 4, 200}, {aclGrpObj, 0, aclNoID}, {aclMask, 4, aclNoID}, {aclOther, 0, aclNoID}}
	want = []aclEntry{{aclUserObj, 7, aclNoID}, {aclUser, 1, 50}, {aclUser, 1, 100}, {aclUser, 4, 200}, {aclGrpObj, 0, aclNoID}, {aclMask, 5, aclNoID}, {aclOther, 0, aclNoID}}
	if got := withSearch(acl, 100); !reflect.DeepEqual(got, want) {
		t.Fatalf("acl: got %v, want %v", got, want)
	}
	want = []aclEntry{{aclUserObj, 7, aclNoID}, {aclUser, 1, 50}, {aclUser, 5, 200}, {aclGrpObj, 0, aclNoID}, {aclMask, 5, aclNoID}, {aclOther, 0, aclNoID}}
	if got := withSearch(acl, 200); !reflect.DeepEqual(got, want) {
		t.Fatalf("existing entry: got %v, want %v", got, want)
	}
}
