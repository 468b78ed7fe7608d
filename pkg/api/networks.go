package api

import "net/http"

// networkRoutes: networks (h16c).
func (s *Server) networkRoutes(mux *http.ServeMux) {}
