package bill

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

// AWS Data Exports (CUR 2.0, FOCUS) deliver a billing period's files
// under a partition folder, and a manifest listing the current ones in a
// metadata folder beside the data:
//
//	<prefix>/<export>/data/BILLING_PERIOD=2025-01/<export>-00001.csv.gz
//	<prefix>/<export>/metadata/BILLING_PERIOD=2025-01/<export>-Manifest.json
//
// An export set to create new files rather than overwrite keeps every
// refresh, so where the manifest is there only the files it lists are
// read; where it is not, two files of one name in one partition stop
// ingest, since they are two versions of the same part of the month.

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
// than one version, those of the version the period's manifest names,
// and of Data Exports partitions, the files their manifests list.
func currentVersions(ctx context.Context, files, manifests []billFile) ([]billFile, error) {
	files, err := currentCURVersions(ctx, files, manifests)
	if err != nil {
		return nil, err
	}
	return currentExportFiles(ctx, files, manifests)
}

func currentCURVersions(ctx context.Context, files, manifests []billFile) ([]billFile, error) {
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

// exportPartition splits a file's name at a Data Exports partition:
// the export's name, the partition folder (NAME=value) and the path
// from the export's name on, which is how a manifest's list and a file
// found under any prefix or folder are matched.
func exportPartition(name string) (root, partition, rel string, ok bool) {
	parts := strings.Split(name, "/")
	for i := 1; i+2 < len(parts); i++ {
		if parts[i] == "data" && strings.Contains(parts[i+1], "=") {
			return strings.Join(parts[:i], "/"), parts[i+1], strings.Join(parts[i-1:], "/"), true
		}
	}
	return "", "", "", false
}

// currentExportFiles applies Data Exports manifests (see above).
func currentExportFiles(ctx context.Context, files, manifests []billFile) ([]billFile, error) {
	type part struct{ root, partition string }
	byPart := map[part][]int{}
	for i, f := range files {
		if root, p, _, ok := exportPartition(f.name); ok {
			byPart[part{root, p}] = append(byPart[part{root, p}], i)
		}
	}
	drop := map[int]bool{}
	for pt, idx := range byPart {
		var m *billFile
		dir := pt.root + "/metadata/" + pt.partition
		for i := range manifests {
			if d, base := splitLast(manifests[i].name); d == dir && isManifest(base) {
				m = &manifests[i]
				break
			}
		}
		if m == nil {
			seen := map[string]string{}
			for _, i := range idx {
				_, base := splitLast(files[i].name)
				if other, dup := seen[base]; dup {
					return nil, fmt.Errorf("%s and %s are two versions of one part of the export (an export that creates new files keeps every refresh) and no manifest in %s says which is current: reading both would count it twice; keep the manifest beside the data, or give the current files",
						other, files[i].name, dir)
				}
				seen[base] = files[i].name
			}
			continue
		}
		listed, err := manifestFiles(ctx, *m)
		if err != nil {
			return nil, err
		}
		kept := 0
		for _, i := range idx {
			if _, _, rel, _ := exportPartition(files[i].name); listed[rel] {
				kept++
			} else {
				drop[i] = true
			}
		}
		if kept == 0 {
			return nil, fmt.Errorf("%s lists %d data files, none of them among the %d found under %s/data/%s", m.name, len(listed), len(idx), pt.root, pt.partition)
		}
	}
	if len(drop) == 0 {
		return files, nil
	}
	out := files[:0:0]
	for i, f := range files {
		if !drop[i] {
			out = append(out, f)
		}
	}
	return out, nil
}

// manifestFiles reads the data files a Data Exports manifest lists, as
// paths from the export's name on. The file list is found by what it
// holds (text naming a file under <export>/data/<partition>/), wherever
// in the manifest it is.
func manifestFiles(ctx context.Context, f billFile) (map[string]bool, error) {
	rc, err := f.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", f.name, err)
	}
	defer rc.Close()
	var doc any
	if err := json.NewDecoder(io.LimitReader(rc, maxManifest)).Decode(&doc); err != nil {
		return nil, fmt.Errorf("%s: not an export manifest: %w", f.name, err)
	}
	out := map[string]bool{}
	var walk func(v any)
	walk = func(v any) {
		switch x := v.(type) {
		case string:
			if _, _, rel, ok := exportPartition(strings.TrimPrefix(x, "s3://")); ok && billExt(x) {
				out[rel] = true
			}
		case []any:
			for _, e := range x {
				walk(e)
			}
		case map[string]any:
			for _, e := range x {
				walk(e)
			}
		}
	}
	walk(doc)
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: manifest lists no data files, so it cannot say which are current", f.name)
	}
	return out, nil
}
