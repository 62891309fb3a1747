#!/usr/bin/env python3
"""Writes an --extra-columns file for bench/Windows holding every song's genres from the dataset's metadata (the
AllMusic genres of panda_dataset_taffc_metadata.csv, one 0/1 column per genre of at least 9 songs), the same on every
window of a song. Not a feature MMCS can compute from audio: an oracle, to bound what knowing a song's genre could add.
Standard library only.

  python3 bench/Windows/analyses/genre_columns.py METADATA.csv OUT.csv
"""
import collections
import csv
import sys

MIN_SONGS = 9
WINDOWS = 12  # more than a 30 s clip has at 6 s every 3 s; the bench ignores the lines it does not need


def main(metadata_path, out_path):
    with open(metadata_path, newline='', encoding='latin-1') as f:
        rows = list(csv.DictReader(f))
    genres_of = {r['Song']: {g.strip() for g in r['GenresStr'].split(';') if g.strip()} for r in rows}
    counts = collections.Counter(g for gs in genres_of.values() for g in gs)
    genres = [g for g, n in counts.most_common() if n >= MIN_SONGS]
    names = ['genre_' + ''.join(ch if ch.isalnum() else '_' for ch in g).lower() for g in genres]
    with open(out_path, 'w', newline='') as f:
        f.write('song,window,' + ','.join(names) + '\n')
        for song, gs in genres_of.items():
            for k in range(WINDOWS):
                f.write(f'{song},{k},' + ','.join('1' if g in gs else '0' for g in genres) + '\n')
    print(f'{len(genres)} genres of {len(genres_of)} songs: {", ".join(genres)}')


if __name__ == '__main__':
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    main(*sys.argv[1:])
