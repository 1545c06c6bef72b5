package cluster

import (
	"fmt"

	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
)

// InClusterContext names the context of a run inside a pod, where there is
// no kubeconfig.
const InClusterContext = "in-cluster"

// Connection is where a run reads the cluster.
type Connection struct {
	Config *rest.Config
	// Context is the kubeconfig context used, or InClusterContext.
	Context string
}

// Connect resolves the client configuration as kubectl does: kubeconfig
// (path, else $KUBECONFIG, else ~/.kube/config) and its current context or
// context; with no kubeconfig at all, the pod's service account
// (in-cluster). The client is read-only in practice (palisade only lists)
// and is allowed a higher rate than client-go's default of 5 requests/s,
// since a scan is a burst of paginated lists.
func Connect(kubeconfig, context string) (*Connection, error) {
	rules := clientcmd.NewDefaultClientConfigLoadingRules()
	rules.ExplicitPath = kubeconfig
	overrides := &clientcmd.ConfigOverrides{CurrentContext: context}
	cc := clientcmd.NewNonInteractiveDeferredLoadingClientConfig(rules, overrides)
	cfg, err := cc.ClientConfig()
	if err != nil {
		if clientcmd.IsEmptyConfig(err) {
			return nil, fmt.Errorf("no kubeconfig found and not running in a pod: set --kubeconfig or $KUBECONFIG")
		}
		return nil, fmt.Errorf("kubeconfig: %w", err)
	}
	name := context
	if name == "" {
		raw, err := cc.RawConfig()
		if err == nil {
			name = raw.CurrentContext
		}
	}
	if name == "" {
		name = InClusterContext
	}
	cfg.QPS, cfg.Burst = 50, 100
	cfg.UserAgent = "palisade"
	// List calls of stable APIs draw no warnings worth a user's time, and
	// client-go would log them in its own format on stderr.
	cfg.WarningHandler = rest.NoWarnings{}
	return &Connection{Config: cfg, Context: name}, nil
}
