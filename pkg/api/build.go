package api

import "net/http"

// buildRoutes: /build (h16a).
func (s *Server) buildRoutes(mux *http.ServeMux) {}
