package manifest

import (
	"fmt"
	"os"
	"strings"
	"testing"
)

func TestZZScratch(t *testing.T) {
	cases := map[string]string{}
	data, _ := os.ReadFile("/tmp/scratch/cases.txt")
	for _, c := range strings.Split(string(data), "\n=====\n") {
		name, body, _ := strings.Cut(c, "\n")
		cases[name] = body
	}
	for name, body := range cases {
		objs, errs := Decode("f.yaml", []byte(body))
		fmt.Printf("### %s\n", name)
		for _, o := range objs {
			fmt.Printf("  obj %s/%s %s line=%d doc=%d content=%v\n", o.Kind, o.Name, o.APIVersion, o.Source.Line, o.Source.Doc, o.Content)
		}
		for _, e := range errs {
			fmt.Printf("  err %d: %s\n", e.Line, e.Message)
		}
	}
}
