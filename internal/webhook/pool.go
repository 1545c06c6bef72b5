package webhook

import "sync/atomic"

// pool runs functions on long-lived goroutines. A review recurses deeply
// (Rego evaluation), and a fresh goroutine per request grew its stack from
// the minimum each time: stack copying was 9% of the server's CPU under
// load. An idle worker takes each function; a new worker is started only
// when none is idle and fewer than max exist; past that the caller waits
// for the next idle one.
type pool struct {
	idle    chan func()
	workers atomic.Int64
	max     int64
}

func newPool(max int) *pool { return &pool{idle: make(chan func()), max: int64(max)} }

// run must only be given functions that end without waiting on this
// pool: with at most max callers running at once (the evaluation slots
// bound them), a worker is then always idle or about to be.
func (p *pool) run(f func()) {
	select {
	case p.idle <- f:
		return
	default:
	}
	if p.workers.Add(1) <= p.max {
		go func() {
			for {
				f()
				f = <-p.idle
			}
		}()
		return
	}
	p.workers.Add(-1)
	p.idle <- f
}
