package api

import (
	"context"
	"fmt"
	"net/http"
	"regexp"
	"runtime/debug"
	"strings"

	"github.com/sirupsen/logrus"
)

// versionPrefix is the optional "/v1.41" that Docker clients put first.
var versionPrefix = regexp.MustCompile(`^/v([0-9]+\.[0-9]+)/`)

type versionKey struct{}

// requestVersion is the API version the client named, or MaxVersion.
func requestVersion(ctx context.Context) string {
	if v, ok := ctx.Value(versionKey{}).(string); ok {
		return v
	}
	return MaxVersion
}

// stripVersion removes the version prefix so that one route serves every
// version, and remembers the version for the few answers that depend on it.
func (s *Server) stripVersion(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m := versionPrefix.FindStringSubmatch(r.URL.Path)
		if m == nil {
			next.ServeHTTP(w, r)
			return
		}
		if versionLess(m[1], MinVersion) {
			writeError(w, badRequest(fmt.Errorf("client version %s is too old. Minimum supported API version is %s, please upgrade your client to a newer version", m[1], MinVersion)))
			return
		}
		r2 := r.Clone(context.WithValue(r.Context(), versionKey{}, m[1]))
		r2.URL.Path = r.URL.Path[len(m[0])-1:]
		r2.URL.RawPath = ""
		next.ServeHTTP(w, r2)
	})
}

// versionLess compares "1.41"-style versions numerically.
func versionLess(a, b string) bool {
	var am, an, bm, bn int
	fmt.Sscanf(a, "%d.%d", &am, &an)
	fmt.Sscanf(b, "%d.%d", &bm, &bn)
	return am < bm || (am == bm && an < bn)
}

// recoverPanics turns a handler's panic into a 500 for that request: one
// malformed request must never take the service down.
func (s *Server) recoverPanics(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if p := recover(); p != nil {
				if p == http.ErrAbortHandler {
					panic(p)
				}
				logrus.Errorf("api: %s %s: panic: %v\n%s", r.Method, r.URL.Path, p, debug.Stack())
				writeError(w, fmt.Errorf("internal error: %v", p))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// routes is every endpoint served. Each area registers its own routes from
// its own file; Go's pattern mux matches method and path. Anything else is
// Docker's 404, so a client learns at once what is not served.
func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	s.systemRoutes(mux)
	s.imageRoutes(mux)
	s.buildRoutes(mux)
	s.containerRoutes(mux)
	s.networkRoutes(mux)
	s.volumeRoutes(mux)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, notFound(fmt.Errorf("page not found: %s %s", r.Method, strings.TrimSpace(r.URL.Path))))
	})
	return mux
}
