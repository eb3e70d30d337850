"""Release and grade the svge course assignments with nbgrader.

    python course/manage.py release               # course/source -> course/release (student versions), with nbgrader
    python course/manage.py check                 # fails if course/release is not what the generator makes now
    python course/manage.py grade SUBMITTED       # autograde every notebook in SUBMITTED and print the score table

SUBMITTED holds what `nbgrader collect` (or an e-mail inbox) gives you: one folder per student, one folder per
assignment inside it, the notebook inside that: SUBMITTED/<student>/<assignment>/<assignment>.ipynb.

Every command works in a fresh temporary nbgrader course (its own gradebook database, `course/nbgrader_config.py`
settings), so nothing here needs a database set up by hand and running it twice gives the same result. Grading is
nbgrader's own `autograde`: it puts the hidden tests back, restores any test cell a student edited, runs the
notebook and records the points of every graded cell.
"""
from __future__ import annotations
import argparse, json, os, shutil, subprocess, sys, tempfile, time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

COURSE = Path(__file__).resolve().parent
REPO = COURSE.parent

def assignments() -> list[str]:
    "The assignment folders of course/source, in order."
    return sorted(p.name for p in (COURSE / 'source').iterdir() if p.is_dir() and not p.name.startswith('.'))

def _nbgrader(root: Path, *args: str, threads: int | None = None):
    "Run an nbgrader command in course root `root` (`threads`: the notebook's CPU threads); raise with its output if it fails."
    env = dict(os.environ, SVGE_DATA=os.environ.get('SVGE_DATA', str(REPO / 'data')))
    if threads and 'OMP_NUM_THREADS' not in os.environ: env.update(OMP_NUM_THREADS=str(threads), MKL_NUM_THREADS=str(threads))
    done = subprocess.run([sys.executable, '-m', 'nbgrader', *args], cwd=root, env=env, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f'nbgrader {" ".join(args)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}')
    return done

def _course(root: Path, names: list[str]) -> Path:
    "A temporary course in `root`: the settings, the source versions, and their student versions generated."
    shutil.copy(COURSE / 'nbgrader_config.py', root / 'nbgrader_config.py')
    for name in names: shutil.copytree(COURSE / 'source' / name, root / 'source' / name)
    for name in names: _nbgrader(root, 'generate_assignment', name, '--force')
    return root

def release(names: list[str] | None = None, into: Path = COURSE / 'release'):
    "Generate the student versions of `names` (default: all) into `into`/<assignment>/."
    names = names or assignments()
    with tempfile.TemporaryDirectory() as tmp:
        root = _course(Path(tmp), names)
        for name in names:
            shutil.rmtree(into / name, ignore_errors=True)
            shutil.copytree(root / 'release' / name, into / name)

def _files(folder: Path) -> dict:
    "Every file under `folder` (relative path -> bytes); empty when the folder does not exist."
    return {p.relative_to(folder): p.read_bytes() for p in folder.rglob('*') if p.is_file()} if folder.exists() else {}

def check() -> list[str]:
    "The assignments whose committed student version differs from what the generator makes now (empty: all agree)."
    with tempfile.TemporaryDirectory() as tmp:
        fresh = Path(tmp) / 'fresh'
        release(into=fresh)
        return [name for name in assignments() if _files(COURSE / 'release' / name) != _files(fresh / name)]

def _grade_part(submitted: Path, part: list[tuple[str, str]], keep, threads: int | None) -> list[dict]:
    "Autograde the (student, assignment) pairs of `part`, one after another, in a temporary course of their assignments."
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = _course(Path(tmp), sorted({name for _, name in part}))
        for student, name in part:
            shutil.copytree(submitted / student / name, root / 'submitted' / student / name)
            start = time.perf_counter()
            _nbgrader(root, 'autograde', name, '--student', student, '--create', '--force', threads=threads)
            rows.append(dict(student=student, assignment=name, seconds=round(time.perf_counter() - start, 1)))
        from nbgrader.api import Gradebook
        with Gradebook(f'sqlite:///{root / "gradebook.db"}') as book:
            for row in rows:
                submission = book.find_submission(row['assignment'], row['student'])
                row.update(score=submission.score, max_score=submission.max_score,
                           cells={g.name: g.score for nb in submission.notebooks for g in nb.grades})
        if keep: shutil.copytree(root / 'autograded', keep, dirs_exist_ok=True)
    return rows

def grade(submitted, names: list[str] | None = None, keep=None, workers: int | None = None) -> list[dict]:
    """Autograde every SUBMITTED/<student>/<assignment>/ notebook with nbgrader; one row per graded submission:
    student, assignment, score, max_score, seconds, and the points of each graded cell. `keep`: a folder to copy the
    executed (autograded) notebooks into, as keep/<student>/<assignment>/. `workers` (default: the CPU count, at
    most 4) grade side by side, each in its own temporary course and gradebook, each notebook on one CPU thread; the rows come back in submission order whatever the number of workers."""
    submitted = Path(submitted)
    if not submitted.is_dir(): raise SystemExit(f'{submitted} is not a folder of submissions (SUBMITTED/<student>/<assignment>/).')
    known = assignments()
    found = sorted({(s.name, a.name) for s in submitted.iterdir() if s.is_dir() for a in s.iterdir() if a.is_dir()})
    unknown = sorted({a for _, a in found if a not in known})
    if unknown: raise SystemExit(f'Unknown assignment folder(s) {unknown} in {submitted}; the assignments are {known}.')
    submitted_names = {a for _, a in found}
    names = [a for a in (names or known) if a in submitted_names]
    todo = [(student, name) for student, name in found if name in names]
    cpus = os.cpu_count() or 1
    workers = max(1, min(workers or min(cpus, 4), len(todo)))
    by_assignment = sorted(todo, key=lambda pair: pair[1])      # equal shares, each of few assignments to generate
    parts = [by_assignment[k * len(todo) // workers:(k + 1) * len(todo) // workers] for k in range(workers)]
    threads = 1        # one thread per notebook: the same floating-point sums on any machine, and no two notebooks fight over cores
    with ThreadPoolExecutor(workers) as pool:                   # threads wait on nbgrader processes
        graded = list(pool.map(lambda part: _grade_part(submitted, part, keep, threads), parts))
    by_pair = {(r['student'], r['assignment']): r for rows in graded for r in rows}
    return [by_pair[pair] for pair in todo]

def score_table(rows: list[dict]) -> str:
    "The score table as text: one line per submission."
    lines = [f'{"student":<16} {"assignment":<22} {"score":>6} {"max":>5} {"seconds":>8}']
    for r in rows:
        lines.append(f'{r["student"]:<16} {r["assignment"]:<22} {r["score"]:>6g} {r["max_score"]:>5g} {r["seconds"]:>8.1f}')
    return '\n'.join(lines)

def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    sub = p.add_subparsers(dest='command', required=True)
    r = sub.add_parser('release', help='generate the student versions into course/release/')
    r.add_argument('names', nargs='*', help='assignments (default: all)')
    sub.add_parser('check', help='check that course/release is what the generator makes from course/source')
    g = sub.add_parser('grade', help='autograde a folder of submissions and print the score table')
    g.add_argument('submitted', help='SUBMITTED/<student>/<assignment>/<assignment>.ipynb')
    g.add_argument('--json', help='also write the rows (with the points of every graded cell) to this file')
    g.add_argument('--workers', type=int, default=None, help='notebooks graded side by side (default: the CPU count, at most 4)')
    args = p.parse_args(argv)
    if args.command == 'release':
        release(args.names or None); print('released:', ', '.join(args.names or assignments()))
    elif args.command == 'check':
        differ = check()
        if differ: raise SystemExit(f'course/release differs from the generator for {differ}: run python course/manage.py release')
        print('course/release matches course/source')
    else:
        if args.workers is not None and args.workers < 1: p.error('--workers must be at least 1')
        rows = grade(args.submitted, workers=args.workers)
        print(score_table(rows))
        if args.json: Path(args.json).write_text(json.dumps(rows, indent=1))

if __name__ == '__main__':
    main()
