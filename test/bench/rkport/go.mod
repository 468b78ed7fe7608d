module github.com/roost-containers/roost/test/bench/rkport

go 1.26.8

require github.com/rootless-containers/rootlesskit/v2 v2.3.6

require (
	github.com/containernetworking/plugins v1.9.0 // indirect
	golang.org/x/sys v0.35.0 // indirect
)
