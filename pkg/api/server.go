// Package api serves the Docker Engine API over a unix socket, so that
// Docker's own clients (the docker CLI, docker-compose, testcontainers) drive
// Roost. Every endpoint calls pkg/engine, the engine the CLI calls: no
// endpoint re-implements a command.
package api

import (
	"context"
	"errors"
	"net"
	"net/http"
	"sync/atomic"
	"time"

	"github.com/roost-containers/roost/pkg/engine"
)

// The API versions served: the oldest Docker client still in use and the
// one Docker 28's CLI asks for. A request may name any version in between,
// or none.
const (
	MinVersion = "1.24"
	MaxVersion = "1.51"
)

// Options are what `roost system service` was asked for.
type Options struct {
	// Idle is how long the service waits with no request in flight before
	// it exits; 0 means never.
	Idle time.Duration
}

// Server answers API requests for one engine.
type Server struct {
	eng     *engine.Engine
	opts    Options
	handler http.Handler

	inFlight atomic.Int64
	lastDone atomic.Int64 // unix nanoseconds of the last finished request
}

// New is a server over eng; eng must stay open until Serve returns.
func New(eng *engine.Engine, o Options) *Server {
	s := &Server{eng: eng, opts: o}
	s.handler = s.stripVersion(s.recoverPanics(s.countRequests(s.routes())))
	s.lastDone.Store(time.Now().UnixNano())
	return s
}

// Handler is the whole API as an http.Handler (tests serve it on their own
// listener).
func (s *Server) Handler() http.Handler { return s.handler }

// Serve answers on l until ctx ends or the service has been idle for
// Options.Idle. Requests in flight when it stops are given a few seconds
// to finish; hijacked connections (attach, exec) are the engine's and end
// with their container or exec session.
func (s *Server) Serve(ctx context.Context, l net.Listener) error {
	srv := &http.Server{Handler: s.handler, ReadHeaderTimeout: 30 * time.Second}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(l) }()
	stop := s.watchIdle(ctx)
	select {
	case err := <-done:
		return err
	case <-stop:
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdown); err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return nil
}

// watchIdle closes the returned channel when ctx ends or when no request
// has been in flight for Options.Idle.
func (s *Server) watchIdle(ctx context.Context) <-chan struct{} {
	stop := make(chan struct{})
	go func() {
		defer close(stop)
		if s.opts.Idle <= 0 {
			<-ctx.Done()
			return
		}
		tick := time.NewTicker(s.opts.Idle / 10)
		defer tick.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
				if s.idleFor() >= s.opts.Idle {
					return
				}
			}
		}
	}()
	return stop
}

func (s *Server) idleFor() time.Duration {
	if s.inFlight.Load() > 0 {
		return 0
	}
	return time.Since(time.Unix(0, s.lastDone.Load()))
}

// countRequests keeps the idle clock: a long request (events, logs -f,
// attach) keeps the service up for as long as it lasts.
func (s *Server) countRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.inFlight.Add(1)
		defer func() {
			s.lastDone.Store(time.Now().UnixNano())
			s.inFlight.Add(-1)
		}()
		next.ServeHTTP(w, r)
	})
}
