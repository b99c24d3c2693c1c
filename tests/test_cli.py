"""Every command-line tool follows MintPy's CLI layout (mintpy_aedenoise.cli)."""
import argparse
import importlib
import inspect

import pytest

#: module -> (script name, sub-command name)
TOOLS = {
    "aedenoise": ("aedenoise.py", "aedenoise"),
    "demo": ("aedenoise_demo.py", "demo"),
    "evaluate": ("aedenoise_evaluate.py", "evaluate"),
    "simulate": ("aedenoise_simulate.py", "simulate"),
    "train": ("aedenoise_train.py", "train"),
    "smallbaselineApp_ae": ("smallbaselineApp_ae.py", "smallbaselineApp"),   # MintPy's sub-command name
}


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_create_parser_cmd_line_parse_main(module):
    cli = importlib.import_module(f"mintpy_aedenoise.cli.{module}")
    for name, arg in (("create_parser", "subparsers"), ("cmd_line_parse", "iargs"), ("main", "iargs")):
        params = inspect.signature(getattr(cli, name)).parameters
        assert list(params) == [arg] and params[arg].default is None, f"{module}.{name}{tuple(params)}"
    assert cli.EXAMPLE.strip() and cli.EXAMPLE.strip() in cli.create_parser().epilog


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_help(module, capsys):
    cli = importlib.import_module(f"mintpy_aedenoise.cli.{module}")
    with pytest.raises(SystemExit) as exc:
        cli.cmd_line_parse(["-h"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: {TOOLS[module][0]} ") and "example" in out


@pytest.mark.parametrize("module", sorted(TOOLS))
def test_sub_command(module):
    cli = importlib.import_module(f"mintpy_aedenoise.cli.{module}")
    top = argparse.ArgumentParser(prog="suite")
    subparsers = top.add_subparsers()
    parser = cli.create_parser(subparsers)
    name = TOOLS[module][1]
    assert subparsers.choices[name] is parser and parser.prog == f"suite {name}"
    assert cli.EXAMPLE.strip() in parser.epilog
