"""The argument parser every CLI of this package starts from."""
import argparse


def create_argument_parser(prog, name, synopsis, *, description=None, epilog=None, subparsers=None):
    """A stand-alone parser, or the sub-command ``name`` of ``subparsers``, MintPy style.

    Parameters
    ----------
    prog : str
        Script name shown in the usage line of the stand-alone parser (``aedenoise.py``).
    name : str
        Sub-command name when ``subparsers`` is given (``aedenoise``).
    synopsis : str
        One-line summary: the sub-command's help, and the description when none is given.
    description : str or None
        Text shown before the options.
    epilog : str or None
        Text shown after the options (references, template options, examples).
    subparsers : argparse._SubParsersAction or None
        From ``ArgumentParser.add_subparsers()``; None for a stand-alone parser.

    Returns
    -------
    argparse.ArgumentParser
        With :class:`argparse.RawTextHelpFormatter`, like MintPy's parsers.

    Examples
    --------
    >>> create_argument_parser("tool.py", "tool", "Do a thing.").format_usage()
    'usage: tool.py [-h]\\n'
    >>> sub = argparse.ArgumentParser(prog="suite").add_subparsers()
    >>> create_argument_parser("tool.py", "tool", "Do a thing.", subparsers=sub).prog
    'suite tool'
    """
    kwargs = dict(description=description or synopsis, epilog=epilog,
                  formatter_class=argparse.RawTextHelpFormatter)
    if subparsers is None:
        return argparse.ArgumentParser(prog=prog, **kwargs)
    return subparsers.add_parser(name, help=synopsis, **kwargs)
