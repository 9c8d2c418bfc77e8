// Command gentree writes a mirror-shaped tree of many small files for
// bench/verify.sh: files under web/packages/aa/bb/<hash>/ and, per project,
// the origins record (state/origins/<name>.json) that verify reads, with
// each file's sha256 and size. Contents are seeded, so a tree is the same
// every run.
//
//	gentree -dir DIR -files 500000 -per-project 5 -seed 1
package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sync"
)

// origin is the subset of proxy/index's origin record that verify reads.
type origin struct {
	Project string            `json:"project"`
	URL     string            `json:"url"`
	Hashes  map[string]string `json:"hashes"`
	Size    int64             `json:"size"`
}

func main() {
	dir := flag.String("dir", "", "tree root (the cache directory); required")
	files := flag.Int("files", 500000, "number of files")
	per := flag.Int("per-project", 5, "files per project")
	minSize := flag.Int("min-size", 200, "smallest file, bytes")
	maxSize := flag.Int("max-size", 4000, "largest file, bytes")
	seed := flag.Uint64("seed", 1, "random seed")
	workers := flag.Int("workers", 4, "projects written in parallel")
	flag.Parse()
	if *dir == "" || *files < 1 || *per < 1 || *minSize < 1 || *maxSize < *minSize {
		flag.Usage()
		os.Exit(2)
	}
	if err := os.MkdirAll(filepath.Join(*dir, "state", "origins"), 0o755); err != nil {
		log.Fatal(err)
	}
	projects := (*files + *per - 1) / *per
	next := make(chan int)
	var wg sync.WaitGroup
	for range *workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for p := range next {
				n := min(*per, *files-p**per)
				if err := writeProject(*dir, p, n, *minSize, *maxSize, *seed); err != nil {
					log.Fatal(err)
				}
			}
		}()
	}
	for p := range projects {
		next <- p
	}
	close(next)
	wg.Wait()
	fmt.Printf("%d files in %d projects under %s\n", *files, projects, *dir)
}

// writeProject writes project p's n files and its origins record.
func writeProject(dir string, p, n, minSize, maxSize int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, uint64(p)))
	name := fmt.Sprintf("gen-%07d", p)
	rec := map[string]origin{}
	buf := make([]byte, maxSize)
	for i := range n {
		data := buf[:minSize+rng.IntN(maxSize-minSize+1)]
		for j := range data {
			data[j] = byte(rng.Uint32())
		}
		sum := sha256.Sum256(data)
		h := hex.EncodeToString(sum[:])
		file := fmt.Sprintf("%s-%d.0.tar.gz", name, i)
		key := "web/packages/" + h[0:2] + "/" + h[2:4] + "/" + h[4:] + "/" + file
		path := filepath.Join(dir, filepath.FromSlash(key))
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		if err := os.WriteFile(path, data, 0o644); err != nil {
			return err
		}
		rec[key] = origin{Project: name, URL: "https://files.example/" + h + "/" + file,
			Hashes: map[string]string{"sha256": h}, Size: int64(len(data))}
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(dir, "state", "origins", name+".json"), data, 0o644)
}
