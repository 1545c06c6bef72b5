package checks

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/palisade-dev/palisade/internal/finding"
)

var storageUnencryptedDisk = Check{
	ID:       "storage/unencrypted-disk",
	Title:    "StorageClass without customer-managed disk encryption",
	Severity: finding.SeverityLow,
	Rationale: "Volumes of a StorageClass are encrypted with the provider's keys at best: on GKE, Persistent " +
		"Disks are encrypted with Google-managed keys unless parameters.disk-encryption-kms-key names a Cloud KMS " +
		"key (GKE docs, \"Use customer-managed encryption keys (CMEK)\" for Persistent Disk volumes); on EKS, EBS volumes are unencrypted unless " +
		"parameters.encrypted is \"true\" (or the account enables EBS encryption by default), and use the " +
		"AWS-managed key unless kmsKeyId names a customer-managed one (EKS Best Practices Guide, Data " +
		"Encryption and Secrets Management, \"Encryption at rest\"). Customer-managed keys can be rotated, audited " +
		"and revoked by you. Checked for the provisioners pd.csi.storage.gke.io, ebs.csi.aws.com and the in-tree " +
		"kubernetes.io/aws-ebs; parameter keys match without regard to case, as the drivers read them.",
	Remediation: "# GKE\nprovisioner: pd.csi.storage.gke.io\nparameters:\n" +
		"  disk-encryption-kms-key: projects/PROJECT/locations/REGION/keyRings/RING/cryptoKeys/KEY\n" +
		"---\n# EKS\nprovisioner: ebs.csi.aws.com\nparameters:\n  encrypted: \"true\"\n" +
		"  kmsKeyId: arn:aws:kms:REGION:ACCOUNT:key/KEY-ID\n",
	Kinds: []string{"StorageClass"},
	Run:   runStorageUnencryptedDisk,
}

// storageParam returns the actual key and value of parameter key (matched
// case-insensitively), or key itself and false when absent.
func storageParam(params map[string]any, key string) (string, string, bool) {
	for k, v := range params {
		if strings.EqualFold(k, key) {
			s, _ := v.(string)
			if b, ok := v.(bool); ok {
				s = strconv.FormatBool(b)
			}
			return k, s, true
		}
	}
	return key, "", false
}

func runStorageUnencryptedDisk(_ *Context, o *Object) []Violation {
	if o.APIVersion != "storage.k8s.io/v1" || o.Content == nil {
		return nil
	}
	prov, _ := o.Content["provisioner"].(string)
	params, _ := o.Content["parameters"].(map[string]any)
	path := func(k string) string { return "parameters." + k }
	switch prov {
	case "pd.csi.storage.gke.io":
		k, v, ok := storageParam(params, "disk-encryption-kms-key")
		if ok && strings.TrimSpace(v) != "" {
			return nil
		}
		p := path(k)
		return []Violation{{Path: p, Message: fmt.Sprintf("StorageClass %q (%s) sets no disk-encryption-kms-key: its disks use Google-managed keys, not a customer-managed key (%s)",
			o.Name, prov, p)}}
	case "ebs.csi.aws.com", "kubernetes.io/aws-ebs":
		k, v, _ := storageParam(params, "encrypted")
		if on, err := strconv.ParseBool(v); err != nil || !on {
			p := path(k)
			return []Violation{{Path: p, Message: fmt.Sprintf("StorageClass %q (%s) does not set encrypted: \"true\": its volumes are unencrypted unless the account encrypts EBS by default (%s)",
				o.Name, prov, p)}}
		}
		k, v, ok := storageParam(params, "kmsKeyId")
		if ok && strings.TrimSpace(v) != "" {
			return nil
		}
		p := path(k)
		return []Violation{{Path: p, Message: fmt.Sprintf("StorageClass %q (%s) sets no kmsKeyId: its volumes are encrypted with the AWS-managed key, not a customer-managed key (%s)",
			o.Name, prov, p)}}
	}
	return nil
}
