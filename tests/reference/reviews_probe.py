#!/usr/bin/env python3
"""How hard `dataset("reviews")` is for a weak and a strong model, outside Ladder.

Train on 1,000 rows, test on 2,000 (a seeded permutation; numbers quoted in
stdlib/data/text/README.md):
- bag of words: scikit-learn logistic regression on word 1-2-grams (a strong stand-in for
  a small model trained from scratch: it sees only the words of its 1,000 rows);
- MiniLM probe: logistic regression on all-MiniLM-L6-v2 sentence embeddings
  (sentence-transformers, mean pooling, L2-normalised).
Accuracy is also broken down by the row's `form` column.

    python3 tests/reference/reviews_probe.py stdlib/data/text/reviews.csv MODEL_DIR

MODEL_DIR: the unpacked all-MiniLM-L6-v2 folder (install.sh --with-minilm places one).
Needs scikit-learn and sentence-transformers (benchmark venv only, not CI).
"""

import collections
import csv
import sys

import numpy as np
from sklearn.feature_extraction.text import CountVectorizer
from sklearn.linear_model import LogisticRegression


def main(path, model_dir):
    rows = list(csv.DictReader(open(path)))
    texts = [r["text"] for r in rows]
    y = np.array([r["label"] == "positive" for r in rows], int)
    forms = [r["form"] for r in rows]
    perm = np.random.RandomState(0).permutation(len(rows))
    tr, te = perm[:1000], perm[2000:]

    cv = CountVectorizer(ngram_range=(1, 2)).fit([texts[i] for i in tr])
    bow = LogisticRegression(C=1, max_iter=2000).fit(cv.transform([texts[i] for i in tr]), y[tr])
    pred_bow = bow.predict(cv.transform([texts[i] for i in te]))

    from sentence_transformers import SentenceTransformer
    model = SentenceTransformer(model_dir, device="cpu")
    emb = model.encode(texts, batch_size=64, normalize_embeddings=True)
    probe = LogisticRegression(C=3, max_iter=3000).fit(emb[tr], y[tr])
    pred_probe = probe.predict(emb[te])

    truth = y[te]
    print(f"bag of words {np.mean(pred_bow == truth):.4f}  MiniLM probe {np.mean(pred_probe == truth):.4f}")
    by_form = collections.defaultdict(list)
    for k, i in enumerate(te):
        by_form[forms[i]].append(k)
    for form, ks in sorted(by_form.items()):
        ks = np.array(ks)
        print(f"  {form:10s} n={len(ks):4d}  bag of words {np.mean(pred_bow[ks] == truth[ks]):.3f}"
              f"  MiniLM probe {np.mean(pred_probe[ks] == truth[ks]):.3f}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
