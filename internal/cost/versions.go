package cost

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
)

// A legacy Cost and Usage Report set to deliver new versions rather
// than overwrite keeps every version of a month side by side:
//
//	<prefix>/<report>/20250101-20250201/<assembly id>/<report>-1.csv.gz
//	<prefix>/<report>/20250101-20250201/<report>-Manifest.json
//
// The manifest beside the version folders names the current one by its
// assembly id. Reading every version would count the month once per
// version, so of a billing period with several version folders only the
// current one is read; with no manifest to say which that is, ingest
// stops and says so rather than guess.

// periodFolder is a legacy CUR billing period folder, yyyymmdd-yyyymmdd.
var periodFolder = regexp.MustCompile(`^[0-9]{8}-[0-9]{8}$`)

// isManifest reports whether a name is a report manifest.
func isManifest(name string) bool { return strings.HasSuffix(name, "-Manifest.json") }

// versionOf splits a file's name into its billing period folder and the
// version folder under it, if it sits in one.
func versionOf(name string) (period, version string, ok bool) {
	parts := strings.Split(name, "/")
	if len(parts) < 3 || !periodFolder.MatchString(parts[len(parts)-3]) {
		return "", "", false
	}
	return strings.Join(parts[:len(parts)-2], "/"), parts[len(parts)-2], true
}

// maxManifest bounds what is read of a manifest: they list columns and
// file keys, a few hundred kilobytes at most.
const maxManifest = 16 << 20

// currentVersions keeps, of files in billing period folders holding more
// than one version, those of the version the period's manifest names.
func currentVersions(ctx context.Context, files, manifests []billFile) ([]billFile, error) {
	versions := map[string][]string{}
	for _, f := range files {
		if period, v, ok := versionOf(f.name); ok && !slices.Contains(versions[period], v) {
			versions[period] = append(versions[period], v)
		}
	}
	current := map[string]string{}
	for period, vs := range versions {
		if len(vs) < 2 {
			continue
		}
		slices.Sort(vs)
		var m *billFile
		for i := range manifests {
			if dir, base := splitLast(manifests[i].name); dir == period && isManifest(base) {
				m = &manifests[i]
				break
			}
		}
		if m == nil {
			return nil, fmt.Errorf("%s holds %d versions of the report (%s) and no manifest to say which is current: reading them all would count the month %d times; give the current version's folder",
				period, len(vs), strings.Join(vs, ", "), len(vs))
		}
		id, err := manifestAssembly(ctx, *m)
		if err != nil {
			return nil, err
		}
		if !slices.Contains(vs, id) {
			return nil, fmt.Errorf("%s: manifest names version %q, which is not among the version folders (%s)", m.name, id, strings.Join(vs, ", "))
		}
		current[period] = id
	}
	if len(current) == 0 {
		return files, nil
	}
	out := files[:0:0]
	for _, f := range files {
		if period, v, ok := versionOf(f.name); ok && current[period] != "" && current[period] != v {
			continue
		}
		out = append(out, f)
	}
	return out, nil
}

// manifestAssembly reads the assembly id a legacy CUR manifest names.
func manifestAssembly(ctx context.Context, f billFile) (string, error) {
	rc, err := f.open(ctx)
	if err != nil {
		return "", fmt.Errorf("%s: %w", f.name, err)
	}
	defer rc.Close()
	var m struct {
		AssemblyID string `json:"assemblyId"`
	}
	if err := json.NewDecoder(io.LimitReader(rc, maxManifest)).Decode(&m); err != nil {
		return "", fmt.Errorf("%s: not a report manifest: %w", f.name, err)
	}
	if m.AssemblyID == "" {
		return "", fmt.Errorf("%s: manifest has no assemblyId, so it cannot say which version is current", f.name)
	}
	return m.AssemblyID, nil
}

func splitLast(name string) (dir, base string) {
	i := strings.LastIndexByte(name, '/')
	if i < 0 {
		return "", name
	}
	return name[:i], name[i+1:]
}
