"""Benchmark of the demand letter PDF (petition_app/letters/pdf.py): compile time and peak memory of one
letter whose annex names 10,000 and then 100,000 signers (and of the letter alone, for its fixed cost).

    .venv/bin/python bench/letters.py

Each case runs in REPEATS (7) fresh Python processes, so that its peak RSS (getrusage's ru_maxrss, which covers
the whole process: Python, Flask, fpdf2, the fonts and the PDF) is its own; the table keeps the fastest
of the times (a busy machine only ever slows a run down) and the highest peak. The cases alternate in
rounds (0, 10,000, 100,000, then 100,000, 10,000, 0, ...), and each round gives its own ratios, whose
lowest and highest are printed as their spread; the time per name is their median. The names come from a generator,
as they do from the database cursor in production; no database is needed. The script exits non-zero when
the 100,000-name letter passes the 300 MB ceiling. It takes about two minutes on a 2-core machine.
"""
import json
import logging
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CASES = (0, 10_000, 100_000)  # 0: the letter alone, the fixed cost (fonts, template) of every letter
CEILING_MB = 300
# fresh processes per case: the fastest time for the table (a busy machine only slows down), the highest
# peak; the time per name is the median of the rounds' ratios (3 rounds gave 0.58 (0.55-0.61) and 0.60
# (0.59-0.62) in two runs; 5 rounds with the ratio of the fastest times, 0.60 (0.54-0.62) and 0.63 (0.56-0.71))
REPEATS = 7

FIRST = ["Anna", "Daan", "Sanne", "Lucas", "Emma", "Sem", "Julia", "Finn", "Zoë", "Łukasz", "Şükrü", "Fatima",
         "Mohammed", "Ngozi", "Søren", "Émile", "Nguyễn Thị", "Ελένη", "Дмитрий", "محمد"]
LAST = ["de Vries", "Jansen", "van den Berg", "Bakker", "Visser", "Smit", "de Jong", "Ñúñez", "Wiśniewski",
        "Öztürk", "El Amrani", "O'Brien & Zn.", "Meijer", "Mulder", "de Boer", "Bos", "van Dijk", "Yılmaz",
        "Papadopoulou", "العلي"]
CITIES = ["Leiden", "Leiden", "Leiden", "Den Haag", "Oegstgeest", "Leiderdorp", "Amsterdam", "Rotterdam",
          "Utrecht", "Kraków", "İstanbul", None, None, None]
LONG = "van den Berg-Hoogendoorn tot Oud-Alphen"  # wraps in its annex column


def names(count):
    """(name, city) for `count` signers: a generator, like the database cursor, never a list."""
    for number in range(count):
        last = LONG if number % 97 == 0 else LAST[(number * 7) % len(LAST)]
        name = f"{FIRST[number % len(FIRST)]} {last}"
        if number % 1000 == 999:
            name = "王小明"  # needs a CJK fallback font; left out (with a warning) when there is none
        yield name, CITIES[(number * 3) % len(CITIES)]


def run_case(count):
    """In the child process: compile one letter, print its figures as JSON."""
    sys.path.insert(0, str(ROOT))
    from petition_app import create_app
    from petition_app.config import TestConfig
    from petition_app.letters import pdf, typesetting
    from petition_app.letters.pdf import LetterContent, write_letter_pdf

    # Without a fallback font installed, each letter logs that the Chinese names lose their characters.
    logging.getLogger("fpdf").setLevel(logging.ERROR)
    for module in (typesetting, pdf):
        logging.getLogger(module.__name__).setLevel(logging.ERROR)
    with tempfile.TemporaryDirectory() as folder:
        app = create_app(TestConfig, instance_path=Path(folder) / "instance",
                         SQLALCHEMY_DATABASE_URI=f"sqlite:///{Path(folder) / 'unused.db'}")
        content = LetterContent(
            campaign_title="Veilig Leiden",
            campaign_summary="Fietspaden zonder licht.\n\nWij vragen om licht, cijfers en een plek aan tafel.",
            organizer_name="Sanne de Boer",
            recipient_name="College van Bestuur, Universiteit Leiden",
            demands=["Verlicht elk fietspad tussen station en Science Park.", "Publiceer de meldingen per wijk.",
                     "Overleg twee keer per jaar in het openbaar met studenten en bewoners."],
            signature_count=count + count // 3,
            goal=count,
            goal_reached=True,
            letter_date=date(2026, 3, 1),
            campaign_url="https://petities.example.org/c/veilig-leiden",
            named_count=count,
        )
        path = Path(folder) / "letter.pdf"
        with app.app_context():
            before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            started = time.perf_counter()
            with path.open("wb") as out:
                write_letter_pdf(out, content, names(count), "nl")
            seconds = time.perf_counter() - started
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        fallback = next((str(p) for p in typesetting.FALLBACK_FONT_FILES if Path(p).is_file()), None)
        print(json.dumps({"names": count, "seconds": seconds, "peak_mb": peak / 1024, "before_mb": before / 1024,
                          "pdf_kb": path.stat().st_size / 1024, "fallback_font": fallback}))


def main():
    print(f"Demand letter PDF, one letter per fresh process (Python {sys.version.split()[0]}, {os.cpu_count()} CPUs)")
    print(f"{'names':>8}  {'compile s':>9}  {'peak RSS MB':>11}  {'before MB':>9}  {'PDF KB':>7}  {'µs/name':>7}")
    results = {}
    runs = {count: [] for count in CASES}
    for number in range(REPEATS):
        for count in (CASES if number % 2 == 0 else CASES[::-1]):
            child = subprocess.run([sys.executable, __file__, "--case", str(count)], capture_output=True, text=True)
            if child.returncode != 0:
                print(child.stdout + child.stderr, file=sys.stderr)
                return child.returncode
            runs[count].append(json.loads(child.stdout.strip().splitlines()[-1]))
    for count in CASES:
        result = results[count] = {**runs[count][0], "seconds": min(r["seconds"] for r in runs[count]),
                                   "peak_mb": max(r["peak_mb"] for r in runs[count])}
        print(f"{count:>8,}  {result['seconds']:>9.2f}  {result['peak_mb']:>11.1f}  {result['before_mb']:>9.1f}  "
              f"{result['pdf_kb']:>7.0f}  {result['seconds'] / count * 1e6 if count else 0:>7.1f}")
    fixed, small, large = (results[count] for count in CASES)
    peak_ratio = large["peak_mb"] / CEILING_MB
    marginal = ((large["seconds"] - fixed["seconds"]) / CASES[2]) / ((small["seconds"] - fixed["seconds"]) / CASES[1])
    peaks = [r["peak_mb"] / CEILING_MB for r in runs[CASES[2]]]
    per_name = [(big["seconds"] / CASES[2]) / (mid["seconds"] / CASES[1]) for mid, big in zip(runs[CASES[1]], runs[CASES[2]])]
    time_ratio = statistics.median(per_name)
    print(f"peak RSS at {CASES[2]:,} names / {CEILING_MB} MB ceiling: {peak_ratio:.2f} "
          f"(spread {min(peaks):.2f}-{max(peaks):.2f} over {REPEATS} rounds)")
    print(f"time per name, {CASES[2]:,} vs {CASES[1]:,}: {time_ratio:.2f} (spread {min(per_name):.2f}-{max(per_name):.2f} "
          f"over {REPEATS} rounds); without the fixed cost of the letter alone: {marginal:.2f} (streaming: close to 1)")
    print(f"CJK fallback font: {large['fallback_font'] or 'none installed (Chinese characters left out)'}")
    if peak_ratio > 1:
        print(f"FAIL: the {CASES[-1]:,}-name letter passes the {CEILING_MB} MB ceiling", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--case":
        run_case(int(sys.argv[2]))
    else:
        sys.exit(main())
