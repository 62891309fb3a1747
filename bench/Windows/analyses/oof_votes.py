#!/usr/bin/env python3
"""Votes computed from bench/Windows' --oof files (out-of-fold song probabilities), for hypotheses about how the
members are combined. Standard library only.

  python3 bench/Windows/analyses/oof_votes.py bag OOF.csv
      the vote of the RBF SVM, the LightGBM and each MLP seed, against the vote with the MLP seeds' mean as one member
  python3 bench/Windows/analyses/oof_votes.py lowpair OOF.csv [SPECIALISTS.csv]
      the vote of the RBF SVM, the LightGBM and the first MLP, with its low-arousal mass (sad + relaxed) shared out by
      the "name~low" specialists (all of them: their mean; a = 0) or half by them and half by the vote (a = 0.5)
  python3 bench/Windows/analyses/oof_votes.py pairs OOF.csv [SPECIALISTS.csv]
      the same vote with its low-arousal mass shared out by the mean of the "name~low" specialists, its high-arousal
      mass (angry + happy) by the mean of the "name~high" ones, and both
  python3 bench/Windows/analyses/oof_votes.py swap OOF.csv OTHER.csv
      the vote of OOF.csv's RBF SVM, LightGBM and first MLP against the same vote with OTHER.csv's RBF SVM (a run with
      other columns) in place of OOF.csv's, and beside it as a fourth member. Both runs must have the same songs,
      labels and repetitions; that they used the same folds (the same --seed) cannot be read from the files, so it is
      the caller's to check
  python3 bench/Windows/analyses/oof_votes.py mix OOF.csv OTHER.csv
      the votes of both runs, and OTHER.csv's RBF SVM and LightGBM with OOF.csv's MLP (e.g. the MLP without columns
      that help the other two: train.automl.drop_columns); the same checks as swap
  python3 bench/Windows/analyses/oof_votes.py stack OOF.csv METADATA.csv
      the vote against a stacked combination: a multinomial logistic regression (L2 0.01) on the standardised
      log-probabilities of the RBF SVM, the LightGBM and the first MLP, fitted and scored in an artist-grouped,
      stratified 10-fold cross-validation over the songs of each repetition (the artists from the dataset's metadata)
  python3 bench/Windows/analyses/oof_votes.py agreement OOF.csv METADATA.csv
      the same vote's accuracy by the dataset's PQuad (the share of a song's mood tags in its quadrant)

Macro-F1 and accuracy are pooled over the repetitions, as the bench prints them.
"""
import collections
import csv
import math
import random
import sys

CLASSES = ['angry', 'happy', 'relaxed', 'sad']


def load(path):
    probs, labels = collections.defaultdict(dict), {}
    with open(path, newline='') as f:
        for r in csv.DictReader(f):
            key = (r['repeat'], r['song'])
            probs[r['model']][key] = [float(r[c]) for c in CLASSES]
            labels[key] = r['label']
    return probs, labels


def top_class(p):
    return CLASSES[max(range(4), key=lambda i: p[i])]


def scores(pred, labels):
    tp, fp, fn, right = collections.Counter(), collections.Counter(), collections.Counter(), 0
    for key, p in pred.items():
        guess, truth = top_class(p), labels[key]
        if guess == truth:
            tp[truth] += 1
            right += 1
        else:
            fp[guess] += 1
            fn[truth] += 1
    f1 = {c: 2 * tp[c] / max(1, 2 * tp[c] + fp[c] + fn[c]) for c in CLASSES}
    return sum(f1.values()) / 4, right / len(pred), f1


def mean(members):
    keys = members[0].keys()
    return {k: [sum(m[k][i] for m in members) / len(members) for i in range(4)] for k in keys}


def show(name, pred, labels):
    f1, acc, per = scores(pred, labels)
    print(f'{name}: macro-F1 {f1:.4f}, accuracy {acc:.4f}; ' + ', '.join(f'{c} {v:.3f}' for c, v in per.items()))


def base_members(probs):
    pick = lambda prefix: [m for m in probs if m.startswith(prefix) and not m.endswith(('~low', '~high'))]
    return pick('rbf_svm'), pick('lightgbm'), pick('mlp')


def first_of_each(probs, path):
    """The names of the first RBF SVM, LightGBM and MLP of a file; exits naming the file when one is missing."""
    members = base_members(probs)
    if not all(members):
        sys.exit(f'{path}: needs an RBF SVM, a LightGBM and an MLP (has {", ".join(sorted(probs))})')
    return [m[0] for m in members]


def first_vote(probs):
    """The mean of the RBF SVM's, the LightGBM's and the first MLP's probabilities."""
    rbf, lgb, mlps = base_members(probs)
    return mean([probs[rbf[0]], probs[lgb[0]], probs[mlps[0]]])


def bag(path):
    probs, labels = load(path)
    rbf, lgb, mlps = base_members(probs)
    for m in mlps:
        show(f'{m} alone', probs[m], labels)
        show(f'  vote with {m}', mean([probs[rbf[0]], probs[lgb[0]], probs[m]]), labels)
    bagged = mean([probs[m] for m in mlps])
    show(f'the mean of {len(mlps)} MLPs alone', bagged, labels)
    show(f'  vote with the mean of {len(mlps)} MLPs', mean([probs[rbf[0]], probs[lgb[0]], bagged]), labels)


def auc_relaxed_vs_sad(pair, labels):
    pos = [pair[k][0] for k in pair if labels[k] == 'relaxed']
    neg = [pair[k][0] for k in pair if labels[k] == 'sad']
    return sum((p > n) + 0.5 * (p == n) for p in pos for n in neg) / (len(pos) * len(neg))


def lowpair(path, specialists_path=None):
    probs, labels = load(path)
    special = load(specialists_path)[0] if specialists_path else probs
    special = {m: v for m, v in special.items() if m.endswith('~low')}
    vote = first_vote(probs)
    show('vote', vote, labels)
    own = {k: (v[2] / (v[2] + v[3]), v[3] / (v[2] + v[3])) for k, v in vote.items()}
    print(f'  AUC relaxed against sad of the vote\'s own split of the pair: {auc_relaxed_vs_sad(own, labels):.3f}')
    for name, members in [(m, [m]) for m in special] + [('the mean of the specialists', list(special))]:
        pair = {}
        for k in vote:
            r, s = sum(special[m][k][2] for m in members), sum(special[m][k][3] for m in members)
            pair[k] = (r / (r + s), s / (r + s))
        print(f'{name}: AUC relaxed against sad {auc_relaxed_vs_sad(pair, labels):.3f}')
        for a in (0.0, 0.5):
            shared = {}
            for k, v in vote.items():
                low = v[2] + v[3]
                shared[k] = [v[0], v[1], low * (a * v[2] / low + (1 - a) * pair[k][0]), low * (a * v[3] / low + (1 - a) * pair[k][1])]
            show(f'  vote, low pair shared out (a = {a})', shared, labels)


def share_out(vote, special, columns):
    """The vote's mass on the two columns, split as the specialists' mean splits it."""
    shared = {}
    for k, v in vote.items():
        a, b = (sum(special[m][k][c] for m in special) for c in columns)
        mass, row = v[columns[0]] + v[columns[1]], list(v)
        row[columns[0]], row[columns[1]] = mass * a / (a + b), mass * b / (a + b)
        shared[k] = row
    return shared


def pairs(path, specialists_path=None):
    probs, labels = load(path)
    special = load(specialists_path)[0] if specialists_path else probs
    low = {m: v for m, v in special.items() if m.endswith('~low')}
    high = {m: v for m, v in special.items() if m.endswith('~high')}
    vote = first_vote(probs)
    show('vote', vote, labels)
    if low:
        show(f'  low pair shared out by {len(low)} specialists', share_out(vote, low, (2, 3)), labels)
    if high:
        show(f'  high pair shared out by {len(high)} specialists', share_out(vote, high, (0, 1)), labels)
        for m in high:
            show(f'    by {m} alone', share_out(vote, {m: high[m]}, (0, 1)), labels)
    if low and high:
        show('  both pairs shared out', share_out(share_out(vote, low, (2, 3)), high, (0, 1)), labels)


def agreement(path, metadata_path):
    probs, labels = load(path)
    right_of = {k: top_class(p) == labels[k] for k, p in first_vote(probs).items()}
    with open(metadata_path, newline='', encoding='latin-1') as f:
        pquad = {r['Song']: float(r['PQuad']) for r in csv.DictReader(f)}
    bins = [(0.0, 0.6), (0.6, 0.7), (0.7, 0.8), (0.8, 1.01)]
    print('PQuad      songs x repeats  accuracy of the vote')
    for lo, hi in bins:
        keys = [k for k in right_of if lo <= pquad[k[1]] < hi]
        right = sum(right_of[k] for k in keys)
        print(f'{lo:.1f}-{min(hi, 1.0):.1f}    {len(keys):5d}            {right / max(1, len(keys)):.3f}')
    wrong = [pquad[k[1]] for k, ok in right_of.items() if not ok]
    right = [pquad[k[1]] for k, ok in right_of.items() if ok]
    print(f'mean PQuad of right {sum(right) / len(right):.3f}, of wrong {sum(wrong) / len(wrong):.3f}')


def swap(path, other_path):
    probs, labels = load(path)
    other, other_labels = load(other_path)
    if other_labels != labels:
        sys.exit(f'{other_path}: not the songs, labels and repetitions of {path}')
    rbf, lgb, mlp = first_of_each(probs, path)
    if not base_members(other)[0]:
        sys.exit(f'{other_path}: needs an RBF SVM (has {", ".join(sorted(other))})')
    other_rbf = base_members(other)[0][0]
    show('vote', first_vote(probs), labels)
    show(f'  with the RBF SVM of {other_path}', mean([other[other_rbf], probs[lgb], probs[mlp]]), labels)
    show('  with both RBF SVMs', mean([other[other_rbf], probs[rbf], probs[lgb], probs[mlp]]), labels)


def mix(path, other_path):
    probs, labels = load(path)
    other, other_labels = load(other_path)
    if other_labels != labels:
        sys.exit(f'{other_path}: not the songs, labels and repetitions of {path}')
    mine, theirs = base_members(probs), base_members(other)
    for name, members in ((path, mine), (other_path, theirs)):
        if not all(members):
            sys.exit(f'{name}: needs an RBF SVM, a LightGBM and an MLP (has {", ".join(sorted(probs if name == path else other))})')
    (rbf, lgb, mlps), (other_rbf, other_lgb, other_mlps) = mine, theirs
    show('vote', first_vote(probs), labels)
    show(f'vote of {other_path}', first_vote(other), labels)
    show(f'  its RBF SVM and LightGBM with the MLP of {path}', mean([other[other_rbf[0]], other[other_lgb[0]], probs[mlps[0]]]), labels)


def softmax_regression(x, y, l2=0.01, steps=300, rate=0.5):
    """Weights [class][feature + 1] of a multinomial logistic regression, by full-batch gradient descent on the mean
    cross-entropy plus l2 times the squared weights (not the biases)."""
    d = len(x[0])
    w = [[0.0] * (d + 1) for _ in range(4)]
    for _ in range(steps):
        grad = [[0.0] * (d + 1) for _ in range(4)]
        for xi, yi in zip(x, y):
            p = predict_softmax(w, xi)
            for c in range(4):
                g = p[c] - (1.0 if c == yi else 0.0)
                row = grad[c]
                for j in range(d):
                    row[j] += g * xi[j]
                row[d] += g
        for c in range(4):
            for j in range(d + 1):
                w[c][j] -= rate * (grad[c][j] / len(x) + (2 * l2 * w[c][j] if j < d else 0.0))
    return w


def predict_softmax(w, xi):
    z = [sum(wc[j] * xi[j] for j in range(len(xi))) + wc[-1] for wc in w]
    top = max(z)
    e = [math.exp(v - top) for v in z]
    return [v / sum(e) for v in e]


def stratified_group_folds(keys, labels, artist, folds, rng):
    """Artists to folds, all songs of an artist in one, each fold's songs per class as near a tenth of the class as
    a greedy choice gets (the largest artists first). Unstratified folds would make a training fold's class shares
    the opposite of its test fold's, which costs a model that learns class priors (the bench's folds are stratified)."""
    counts = collections.defaultdict(lambda: [0] * 4)
    for k in keys:
        counts[artist[k[1]]][CLASSES.index(labels[k])] += 1
    artists = sorted(counts)
    rng.shuffle(artists)
    artists.sort(key=lambda a: -sum(counts[a]))
    total = [sum(counts[a][c] for a in artists) for c in range(4)]
    in_fold = [[0] * 4 for _ in range(folds)]
    fold_of = {}
    for a in artists:
        def cost(f):
            return sum((in_fold[f][c] + counts[a][c] - total[c] / folds) ** 2 - (in_fold[f][c] - total[c] / folds) ** 2 for c in range(4))
        best = min(range(folds), key=lambda f: (cost(f), sum(in_fold[f])))
        fold_of[a] = best
        for c in range(4):
            in_fold[best][c] += counts[a][c]
    return fold_of


def stack(path, metadata_path):
    probs, labels = load(path)
    members = [probs[m] for m in first_of_each(probs, path)]
    with open(metadata_path, newline='', encoding='latin-1') as f:
        artist = {r['Song']: r['Artist'] for r in csv.DictReader(f)}
    show('vote', first_vote(probs), labels)
    stacked = {}
    for rep in sorted({k[0] for k in labels}):
        keys = sorted(k for k in labels if k[0] == rep)
        fold_of = stratified_group_folds(keys, labels, artist, 10, random.Random(1000 + int(rep)))
        feats = {k: [math.log(max(m[k][c], 1e-6)) for m in members for c in range(4)] for k in keys}
        for fold in range(10):
            train = [k for k in keys if fold_of[artist[k[1]]] != fold]
            test = [k for k in keys if fold_of[artist[k[1]]] == fold]
            d = len(feats[keys[0]])
            mu = [sum(feats[k][j] for k in train) / len(train) for j in range(d)]
            sd = [max(1e-9, (sum((feats[k][j] - mu[j]) ** 2 for k in train) / len(train)) ** 0.5) for j in range(d)]
            z = lambda k: [(feats[k][j] - mu[j]) / sd[j] for j in range(d)]
            w = softmax_regression([z(k) for k in train], [CLASSES.index(labels[k]) for k in train])
            for k in test:
                stacked[k] = predict_softmax(w, z(k))
    show('stacked (logistic regression on the log-probabilities, artist-grouped stratified 10-fold)', stacked, labels)


if __name__ == '__main__':
    commands = {'bag': bag, 'lowpair': lowpair, 'pairs': pairs, 'swap': swap, 'mix': mix, 'stack': stack, 'agreement': agreement}
    if len(sys.argv) < 3 or sys.argv[1] not in commands:
        sys.exit(__doc__)
    commands[sys.argv[1]](*sys.argv[2:])
