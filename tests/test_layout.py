"""The folders are the pipeline (README, "How it works"): each module of pipeline/ sits in one stage,
and imports only from its own stage or the ones before it, so a reader can learn the stages in order
and a change to the outputs cannot reach back into how a document is read."""
import ast
from pathlib import Path

from pipeline.api import STAGES
from pipeline.readers.load import load
from tests.conftest import ROOT

PACKAGE = ROOT / "pipeline"

# The stages in order, each with the modules and folders it holds (a name covers what is under it).
# The one statement of the order: a module may import from its own stage and the ones above it here.
LAYERS = (
    ("base", ("pipeline.models", "pipeline.rules", "pipeline.rule_schema", "pipeline.limits")),
    ("readers", ("pipeline.readers",)),
    ("text", ("pipeline.text",)),
    ("extract", ("pipeline.extract",)),
    ("checks", ("pipeline.checks",)),
    ("api", ("pipeline.api",)),              # the stages composed: file -> record
    ("outputs", ("pipeline.outputs",)),
    ("batch", ("pipeline.batch",)),
    ("front", ("pipeline.cli", "pipeline.notebook", "pipeline")),
)


def rank(module: str) -> int:
    """The stage of a dotted module name: the longest name in LAYERS that is it or holds it
    (`pipeline` itself, the package's front door, only for exactly that name)."""
    best = max(((len(name), i) for i, (_, names) in enumerate(LAYERS) for name in names
                if module == name or (name != "pipeline" and module.startswith(name + "."))), default=None)
    assert best is not None, f"{module} is in no stage: place it in LAYERS"
    return best[1]


def module_of(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, source: str | None = None) -> list[tuple[int, str]]:
    """(line, dotted module) of every import of the file, relative ones resolved; `from pkg import x`
    names the submodule pkg.x when x is one."""
    package = module_of(path) if path.name == "__init__.py" else module_of(path).rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source or path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                up = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(up + ([node.module] if node.module else []))
            for a in node.names:
                sub = f"{base}.{a.name}"
                is_module = (ROOT / Path(*sub.split("."))).with_suffix(".py").is_file() \
                    or (ROOT / Path(*sub.split(".")) / "__init__.py").is_file()
                found.append((node.lineno, sub if is_module else base))
    return found


def upward(path: Path, source: str | None = None) -> list[str]:
    """The imports of a module of pipeline/ that reach a later stage than its own."""
    own = rank(module_of(path))
    return [f"{path.relative_to(ROOT)}:{line} imports {mod} ({LAYERS[rank(mod)][0]} after {LAYERS[own][0]})"
            for line, mod in imports(path, source) if mod.split(".")[0] == "pipeline" and rank(mod) > own]


def modules() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


def test_no_module_imports_from_a_later_stage():
    assert [bad for path in modules() for bad in upward(path)] == []


def test_an_upward_import_is_caught():
    reader = PACKAGE / "readers" / "_layout_probe.py"     # a reader that imports the outputs
    assert upward(reader, "import json\nfrom ..outputs import export\n") == ["pipeline/readers/_layout_probe.py:2 imports pipeline.outputs.export "
                              "(outputs after readers)"]


def test_the_stages_run_down_the_folders():
    ranks = [rank(stage.__module__) for stage in (load, *STAGES)]
    assert ranks == sorted(ranks) and len(set(ranks)) > 2, ranks


def test_the_package_holds_no_generator():
    """The synthetic report generator is a development tool beside the package (synth/, not in the
    wheel): only `jixiao synth` imports it, when it runs, from the source checkout."""
    found = [(module_of(path), line) for path in modules() for line, mod in imports(path)
             if mod.split(".")[0] == "synth"]
    assert [mod for mod, _ in found] == ["pipeline.cli"], found
    assert not (PACKAGE / "synth").exists() and (ROOT / "synth" / "__init__.py").is_file()


def magic_numbers(path: Path, source: str | None = None) -> list[str]:
    """The bytes literals of a module that start with a magic number sniff.py holds."""
    from pipeline.readers.sniff import MAGIC
    tree = ast.parse(source or path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(ROOT)}:{node.lineno} {node.value!r}" for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, bytes) and node.value
            and any(node.value.startswith(m) or m.startswith(node.value) for m in MAGIC)]


def test_file_types_are_sniffed_in_one_place():
    sniffer = PACKAGE / "readers" / "sniff.py"
    assert [bad for path in modules() if path != sniffer for bad in magic_numbers(path)] == []
    assert magic_numbers(sniffer)                       # the check sees them where they are
    assert magic_numbers(PACKAGE / "readers" / "word.py", 'if data[:4] == b"%PDF": pass\n')


# the codecs a guess of a document's encoding chooses among
GUESSED = {"utf-8-sig", "utf-16", "gb18030", "gbk", "gb2312", "big5", "big5hkscs"}


def encoding_guesses(path: Path, source: str | None = None) -> list[str]:
    """Where a module decodes bytes with a guessed codec, or looks for a byte-order mark: where it
    decodes a document itself (writing and reading back its own CSV in UTF-8 with a BOM is not)."""
    tree = ast.parse(source or path.read_text(encoding="utf-8"))
    return [f"{path.relative_to(ROOT)}:{node.lineno}" for node in ast.walk(tree)
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "decode"
                and node.args and isinstance(node.args[0], ast.Constant) and str(node.args[0].value).lower() in GUESSED)
            or (isinstance(node, ast.Attribute) and node.attr.startswith("BOM"))]


def test_text_is_decoded_in_one_place():
    decoder = PACKAGE / "readers" / "decode.py"
    assert [bad for path in modules() if path != decoder for bad in encoding_guesses(path)] == []
    assert encoding_guesses(decoder)
    assert encoding_guesses(PACKAGE / "readers" / "web.py", 'text = data.decode("gb18030", errors="replace")\n')
