package api

import "net/http"

// execRoutes: exec (h16b).
func (s *Server) execRoutes(mux *http.ServeMux) {}
