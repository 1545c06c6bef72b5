package webhook

import (
	admissionv1 "k8s.io/api/admission/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/pod-security-admission/admission"
	"k8s.io/pod-security-admission/api"

	"github.com/palisade-dev/palisade/internal/manifest"
	"github.com/palisade-dev/palisade/internal/workload"
)

// decoded is one AdmissionRequest decoded once per reader: typed (as
// upstream's admission reads objects, with upstream's decoder; lazily, only
// for the resources upstream judges) and generic (as the engine reads
// objects from files, for the checks and policies). JSON decoding is most
// of a request's cost, so each form is built at most once and the typed pod
// is reused by the extras instead of converting the generic form again.
// It implements upstream's api.Attributes.
type decoded struct {
	req     *admissionv1.AdmissionRequest
	decoder k8sruntime.Decoder
	// judged: upstream's admission judges this request.
	judged bool

	obj, old *manifest.Object
	// typed objects, decoded on first use.
	typed, oldTyped       k8sruntime.Object
	typedErr, oldTypedErr error
	typedDone, oldDone    bool

	errs []string

	// the request as JSON for Gatekeeper constraints, built on first use.
	reqJSON map[string]any
	reqDone bool
}

var _ api.Attributes = (*decoded)(nil)

func (s *Server) decode(req *admissionv1.AdmissionRequest) *decoded {
	d := &decoded{req: req, decoder: s.decoder, judged: s.applies(req)}
	var err error
	if d.obj, err = generic(req, req.Object.Raw); err != nil {
		d.errs = append(d.errs, "decoding the object: "+err.Error())
	}
	if req.Operation == admissionv1.Update {
		if d.old, err = generic(req, req.OldObject.Raw); err != nil {
			d.errs = append(d.errs, "decoding the old object: "+err.Error())
		}
	}
	return d
}

// generic reads an object as the engine reads objects from files.
// Numbers decode as int64 where integral, as the API server's own
// unstructured decoding does.
func generic(req *admissionv1.AdmissionRequest, raw []byte) (*manifest.Object, error) {
	if len(raw) == 0 {
		return nil, nil
	}
	m, err := manifest.DecodeJSONObject(raw)
	if err != nil {
		return nil, err
	}
	if m == nil {
		return nil, nil
	}
	o, err := manifest.NewObject(m, manifest.Source{File: "admission:" + string(req.UID)})
	if err != nil {
		return nil, err
	}
	if o.Namespace == "" {
		// A namespaced object's namespace may come from the URL only.
		o.Namespace = req.Namespace
	}
	return o, nil
}

func (d *decoded) decodeTyped(raw []byte, generic *manifest.Object) (k8sruntime.Object, error) {
	if raw == nil {
		return nil, nil
	}
	gvk := schema.GroupVersionKind(d.req.Kind)
	// The serializer first parses the whole object once more to learn its
	// apiVersion and kind, which the generic decoding has read already:
	// with them, the typed decoding is the serializer's own unmarshal
	// (sigs.k8s.io/json semantics, unmarshalTyped), nothing else.
	if generic != nil {
		if gv, err := schema.ParseGroupVersion(generic.APIVersion); err == nil {
			if obj, err := scheme.New(gv.WithKind(generic.Kind)); err == nil {
				if err := unmarshalTyped(raw, obj); err == nil {
					return obj, nil
				}
			}
		}
	}
	// Unknown types and errors: the serializer says what is wrong.
	out, _, err := d.decoder.Decode(raw, &gvk, nil)
	return out, err
}

// workload is the pod of o from its typed form, as workload.Extract would
// give it from o.Content (same prefixes, same defaults), or nil when o
// runs no pods. old selects the old object.
func (d *decoded) workload(o *manifest.Object, old bool) (*workload.Workload, error) {
	if o == nil || !workload.IsWorkloadKind(o.APIVersion, o.Kind) {
		return nil, nil
	}
	var (
		typed k8sruntime.Object
		err   error
	)
	if d.judged {
		if old {
			typed, err = d.GetOldObject()
		} else {
			typed, err = d.GetObject()
		}
	}
	if !d.judged || err != nil || typed == nil {
		// Not decoded typed (a resource upstream does not judge, e.g. a
		// workload kind served under another resource name): the engine's
		// own conversion, which also says what is wrong.
		w, _, err := workload.Extract(o)
		return w, err
	}
	meta, spec, err := admission.DefaultPodSpecExtractor{}.ExtractPodSpec(typed)
	if err != nil || spec == nil {
		return nil, err
	}
	w := &workload.Workload{Object: o, Meta: meta, Spec: spec}
	w.MetaPrefix, w.SpecPrefix = workload.Prefixes(o.Kind)
	// The API server has defaulted the object already, so this changes
	// nothing there; it keeps the verdict identical to a scan's. It runs
	// after upstream's evaluation, on the same object.
	workload.ApplyDefaults(spec, o.Kind == "Pod")
	return w, nil
}

// requestJSON is the request as Gatekeeper hands it to constraints at
// admission (input.review): the AdmissionRequest's JSON, here without its
// object, which the policies get as the object under review. Nil when it
// cannot be encoded, and constraints then review the object alone.
func (d *decoded) requestJSON() map[string]any {
	if d.reqDone {
		return d.reqJSON
	}
	d.reqDone = true
	req := *d.req
	req.Object = k8sruntime.RawExtension{}
	raw, err := encodeJSON(&req)
	if err != nil {
		return nil
	}
	d.reqJSON, _ = manifest.DecodeJSONObject(raw)
	return d.reqJSON
}

// api.Attributes, as upstream's api.RequestAttributes answers them.

func (d *decoded) GetName() string                  { return d.req.Name }
func (d *decoded) GetNamespace() string             { return d.req.Namespace }
func (d *decoded) GetKind() schema.GroupVersionKind { return schema.GroupVersionKind(d.req.Kind) }
func (d *decoded) GetResource() schema.GroupVersionResource {
	return schema.GroupVersionResource(d.req.Resource)
}
func (d *decoded) GetSubresource() string              { return d.req.RequestSubResource }
func (d *decoded) GetOperation() admissionv1.Operation { return d.req.Operation }
func (d *decoded) GetUserName() string                 { return d.req.UserInfo.Username }

func (d *decoded) GetObject() (k8sruntime.Object, error) {
	if !d.typedDone {
		d.typedDone = true
		d.typed, d.typedErr = d.decodeTyped(d.req.Object.Raw, d.obj)
	}
	return d.typed, d.typedErr
}

func (d *decoded) GetOldObject() (k8sruntime.Object, error) {
	if !d.oldDone {
		d.oldDone = true
		d.oldTyped, d.oldTypedErr = d.decodeTyped(d.req.OldObject.Raw, d.old)
	}
	return d.oldTyped, d.oldTypedErr
}
