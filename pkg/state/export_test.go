package state

// For the tests of package state_test, which decode the fixture with the
// record types of the packages that import this one.
var (
	FileSum      = fileSum
	StoredSchema = storedSchema
)
