"The GitHub workflows parse, run the same commands as `.ci/run` and the Makefile, and publish the site every docs link points to."
import re, tomllib
from pathlib import Path
import yaml

ROOT = Path(__file__).parents[1]
def workflow(name): return yaml.safe_load((ROOT/'.github'/'workflows'/f'{name}.yaml').read_text())
def triggers(w): return w.get('on', w.get(True))  # YAML 1.1 reads the key `on` as True
def runs(w): return [s['run'] for j in w['jobs'].values() for s in j['steps'] if 'run' in s]
def uses(w): return [s['uses'].split('@')[0] for j in w['jobs'].values() for s in j['steps'] if 'uses' in s]
def make_recipe(target):
    "The commands of `target` in the Makefile"
    m = re.search(rf'(?m)^{target}:.*\n((?:\t.*\n)+)', (ROOT/'Makefile').read_text())
    return [l.strip() for l in m[1].splitlines()]

def test_test_workflow_runs_the_readme_test_command():
    w = workflow('test')
    assert {'push', 'pull_request'} <= set(triggers(w))
    assert runs(w) == ['bash .ci/run']
    assert (ROOT/'.ci'/'run').read_text().rstrip().endswith('make test')  # the command README.md names
    assert '`make test`' in (ROOT/'README.md').read_text()
    assert 'actions/checkout' in uses(w) and 'actions/setup-python' in uses(w)

def test_docs_workflow_builds_with_make_docs_and_deploys_to_pages():
    w = workflow('deploy')
    assert triggers(w)['push']['branches'] == ['main']
    assert 'make docs' in runs(w) and make_recipe('docs') == ['$(PY) tools/make_docs.py']
    nbdev = tomllib.loads((ROOT/'pyproject.toml').read_text())['tool']['nbdev']
    art = [s for j in w['jobs'].values() for s in j['steps'] if s.get('uses', '').startswith('actions/upload-pages-artifact')]
    assert art and art[0]['with']['path'] == nbdev['doc_path']  # the folder make docs writes
    assert 'actions/deploy-pages' in uses(w) and w['permissions'] == {'contents': 'read', 'pages': 'write', 'id-token': 'write'}

def test_docs_links_point_where_pages_publishes():
    proj = tomllib.loads((ROOT/'pyproject.toml').read_text())['project']['urls']
    owner,repo = re.match(r'https://github.com/([^/]+)/([^/]+)$', proj['Repository']).groups()
    site = f'https://{owner}.github.io/{repo}'  # where GitHub Pages publishes a repository's site
    assert proj['Documentation'].rstrip('/') == site
    texts = [(ROOT/'README.md').read_text(), (ROOT/'nbs'/'nbdev.yml').read_text(), *[p.read_text() for p in (ROOT/'fastai_clr').glob('*.py')]]
    links = {m for t in texts for m in re.findall(r'https://[\w.-]+\.github\.io/[\w-]+', t)}
    assert links == {site}, links
