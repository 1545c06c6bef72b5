// Package version is the build's identity.
package version

import "runtime/debug"

// Version and Commit are set with -ldflags "-X ..." in release builds.
var (
	Version = "v0.1.0-dev"
	Commit  = ""
)

// Info returns version and commit, reading the VCS stamp Go embeds when the
// linker flags did not set them.
func Info() (version, commit string) {
	version, commit = Version, Commit
	if commit == "" {
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, s := range bi.Settings {
				if s.Key == "vcs.revision" {
					commit = s.Value
				}
			}
		}
	}
	if commit == "" {
		commit = "unknown"
	}
	return version, commit
}
