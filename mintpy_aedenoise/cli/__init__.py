"""Command-line interfaces, in MintPy's create_parser / cmd_line_parse / main(iargs=None) style."""
