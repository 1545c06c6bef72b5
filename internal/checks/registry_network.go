package checks

// networkChecks lists the network checks.
func networkChecks() []Check {
	return []Check{
		netNoDefaultDenyIngress(),
		netNoDefaultDenyEgress(),
		netEgressToMetadata(),
		netWorkloadNotIsolated(),
		netPolicySelectsNothing(),
		netIngressFromAnywhere(),
		netKubeletPorts(),
		netLoadBalancerSourceRanges(),
		netLoadBalancerOpenToWorld(),
		netNodePortService(),
		netExternalIPs(),
		netIngressNoTLS(),
		netIngressTLSHosts(),
		netIngressAllowHTTP(),
		netIngressWildcardHost(),
	}
}
