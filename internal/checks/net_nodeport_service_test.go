package checks

import "testing"

func TestNodePortService(t *testing.T) {
	runNetCases(t, "net/nodeport-service", []netCase{
		{"NodePort", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80, nodePort: 30080}]\n  type: NodePort\n",
			[]found{{Kind: "Service", Name: "web", Path: "spec.type", Line: 6,
				Message: "Service is type NodePort: its ports are open on every node's addresses"}}},
		{"ClusterIP", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: ClusterIP\n", nil},
		{"default type", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports: [{port: 80}]\n", nil},
		{"LoadBalancer", "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: LoadBalancer\n", nil},
		{"other group", "apiVersion: example.com/v1\nkind: Service\nmetadata: {name: web}\nspec:\n  type: NodePort\n", nil},
	})
}
