package checks

import "testing"

func TestStorageUnencryptedDisk(t *testing.T) {
	runCases(t, "storage/unencrypted-disk", []checkCase{
		{name: "GKE PD CSI without a KMS key", doc: `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: pd
provisioner: pd.csi.storage.gke.io
parameters:
  type: pd-ssd
`, want: []found{
			{"StorageClass", "pd", "parameters.disk-encryption-kms-key", 6, `StorageClass "pd" (pd.csi.storage.gke.io) sets no disk-encryption-kms-key: its disks use Google-managed keys, not a customer-managed key (parameters.disk-encryption-kms-key)`},
		}},
		{name: "EBS CSI: not encrypted; encrypted false; encrypted without key; in-tree without parameters", doc: `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: a
provisioner: ebs.csi.aws.com
parameters:
  type: gp3
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: b
provisioner: ebs.csi.aws.com
parameters:
  Encrypted: "false"
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: c
provisioner: ebs.csi.aws.com
parameters:
  encrypted: "true"
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: d
provisioner: kubernetes.io/aws-ebs
`, want: []found{
			{"StorageClass", "a", "parameters.encrypted", 6, `StorageClass "a" (ebs.csi.aws.com) does not set encrypted: "true": its volumes are unencrypted unless the account encrypts EBS by default (parameters.encrypted)`},
			{"StorageClass", "b", "parameters.Encrypted", 15, `StorageClass "b" (ebs.csi.aws.com) does not set encrypted: "true": its volumes are unencrypted unless the account encrypts EBS by default (parameters.Encrypted)`},
			{"StorageClass", "c", "parameters.kmsKeyId", 22, `StorageClass "c" (ebs.csi.aws.com) sets no kmsKeyId: its volumes are encrypted with the AWS-managed key, not a customer-managed key (parameters.kmsKeyId)`},
			{"StorageClass", "d", "parameters.encrypted", 25, `StorageClass "d" (kubernetes.io/aws-ebs) does not set encrypted: "true": its volumes are unencrypted unless the account encrypts EBS by default (parameters.encrypted)`},
		}},
		{name: "not reported: keys set (any case), other provisioners", doc: `apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: pd
provisioner: pd.csi.storage.gke.io
parameters:
  Disk-Encryption-KMS-Key: projects/p/locations/l/keyRings/r/cryptoKeys/k
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: ebs
provisioner: ebs.csi.aws.com
parameters:
  encrypted: "true"
  KmsKeyId: arn:aws:kms:us-east-1:111122223333:key/k
---
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: local
provisioner: kubernetes.io/no-provisioner
`},
	})
}
