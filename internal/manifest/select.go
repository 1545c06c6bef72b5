package manifest

import (
	"bytes"

	"github.com/palisade-dev/palisade/internal/finding"
)

// DecodeContaining decodes only the documents of data that contain marker,
// for a cheap first pass that looks for a few kinds among many documents.
func DecodeContaining(name string, data []byte, lim Limits, marker []byte) ([]*Object, []finding.Error) {
	if lim.MaxDepth <= 0 {
		lim = DefaultLimits
	}
	if !bytes.Contains(data, marker) || binaryReason(data) != "" {
		return nil, nil
	}
	var (
		objs []*Object
		errs []finding.Error
	)
	for i, d := range splitDocuments(data) {
		if !bytes.Contains(d.data, marker) {
			continue
		}
		o, e := decodeDocument(name, i, d, lim)
		objs = append(objs, o...)
		errs = append(errs, e...)
	}
	return objs, errs
}
