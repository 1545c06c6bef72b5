package auditlog

import (
	"errors"
	"fmt"
	"io"
	"net/http"
)

// MaxBatchSize bounds one webhook request body. The API server's batching
// webhook backend sends at most 400 events per request by default
// (--audit-webhook-batch-max-size), and events are capped like log lines.
const MaxBatchSize = 64 << 20

// Handler is an audit webhook backend endpoint: the API server POSTs
// EventList documents (--audit-webhook-config-file pointing at this
// server). Each event goes to emit; each broken item to fail, and the rest
// of the batch is still taken. The response is 200 once every event of the
// batch was accepted by emit, so the API server retries (and dedup drops
// the repeats) only when palisade could not take them.
func Handler(emit Emit, fail Fail) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost {
			w.Header().Set("Allow", http.MethodPost)
			http.Error(w, "audit events are POSTed", http.StatusMethodNotAllowed)
			return
		}
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBatchSize))
		if err != nil {
			var tooBig *http.MaxBytesError
			if errors.As(err, &tooBig) {
				http.Error(w, fmt.Sprintf("batch larger than %d bytes", MaxBatchSize), http.StatusRequestEntityTooLarge)
				return
			}
			http.Error(w, "reading body: "+err.Error(), http.StatusBadRequest)
			return
		}
		bad := 0
		countFail := func(e LineError) { bad++; fail(e) }
		if err := DecodeDocuments(body, emit, countFail); err != nil {
			// emit refused (shutting down, or the queue is closed):
			// ask the API server to retry.
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
		if bad > 0 {
			// Retrying cannot fix a malformed event; the good ones of the
			// batch are taken, and the rest are reported by fail.
			w.Header().Set("X-Palisade-Rejected-Events", fmt.Sprint(bad))
		}
		w.WriteHeader(http.StatusOK)
	})
}
