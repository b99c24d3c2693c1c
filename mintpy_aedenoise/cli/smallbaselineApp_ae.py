#!/usr/bin/env python3
"""smallbaselineApp_ae.py: MintPy's smallbaselineApp.py plus the auto-encoder step ``denoise_ae``.

Everything is MintPy's (parser, template handling, steps, plots); this module only adds one
step to the step list and to :class:`mintpy.smallbaselineApp.TimeSeriesAnalysis`.

Where the step sits
-------------------
``denoise_ae`` runs after ``reference_date`` and before ``velocity``. It reads the time series
that ``velocity`` and ``geocode`` read (MintPy's ``get_timeseries_filename(...)['velocity']``):
the last corrected file (e.g. ``timeseries_ERA5_ramp_demErr.h5``), after every correction
(troposphere, ramp, DEM error) and after the change of reference date. Running it any earlier
would denoise a file that ``reference_date`` rewrites in place afterwards, which would leave
``deformation_ae.h5`` older than its input and out of step with ``velocity.h5``.

When it runs
------------
In a full run (or any ``--start``/``--end`` range) only if ``mintpy.aedenoise.enable = yes``;
with ``--dostep denoise_ae`` always. Its options (``mintpy.aedenoise.*``, see
``templates/aedenoise.cfg``) are read from ``smallbaselineApp.cfg`` then the custom template
(the one backed up in ``inputs/`` when the run names none), ``auto`` values from the packaged
``aedenoise_auto.cfg`` (:mod:`mintpy_aedenoise.config`). Only ``enable`` is read before the step
knows it runs, so a step that is off never fails on its other options' values (an unknown
``mintpy.aedenoise.*`` key is still refused).
"""
import contextlib
import logging
import os
import sys
from unittest import mock

from mintpy.cli import smallbaselineApp as _mintpy_cli
from mintpy.defaults.template import STEP_LIST as MINTPY_STEP_LIST
from mintpy.smallbaselineApp import TimeSeriesAnalysis

from ..config import OPTIONS, PREFIX, read_template_options, template_text, work_folder_templates

__all__ = ["STEP_NAME", "STEP_LIST", "TimeSeriesAnalysisAE", "create_parser", "cmd_line_parse", "main"]

logger = logging.getLogger(__name__)

PROG = "smallbaselineApp_ae.py"

#: Name of the added step.
STEP_NAME = "denoise_ae"

#: MintPy's steps with ``denoise_ae`` after ``reference_date``.
STEP_LIST = list(MINTPY_STEP_LIST)
STEP_LIST.insert(STEP_LIST.index("reference_date") + 1, STEP_NAME)

EXAMPLE = f"""
  # auto-encoder denoising: step {STEP_NAME}, options mintpy.aedenoise.* below
  {PROG} GalapagosSenDT128.txt                        # runs {STEP_NAME} if mintpy.aedenoise.enable = yes
  {PROG} GalapagosSenDT128.txt --dostep {STEP_NAME}    # runs step {STEP_NAME} only, whatever enable says
  {PROG} GalapagosSenDT128.txt --start modify_network  # inputs/ifgramStack.h5 already loaded
"""

_mintpy_create_parser = _mintpy_cli.create_parser


def _step_help():
    """MintPy's step-option help with :data:`STEP_LIST` in place of MintPy's list."""
    head, _, tail = _mintpy_cli.STEP_HELP.split("\n\n", 2)
    rows = "\n".join(str(STEP_LIST[i:i + 5]) for i in range(0, len(STEP_LIST), 5))
    return f"{head}\n\n{rows}\n\n{tail}"


def create_parser(subparsers=None):
    """MintPy's smallbaselineApp parser, listing and documenting the ``denoise_ae`` step."""
    parser = _mintpy_create_parser(subparsers)
    if subparsers is None:
        parser.prog = PROG
    parser.description += f", with the auto-encoder denoising step '{STEP_NAME}'"
    epilog = parser.epilog.replace("smallbaselineApp.py", PROG).rstrip("\n")
    template = template_text(header=False)
    parser.epilog = f"{epilog}\n{EXAMPLE}\ntemplate options of step {STEP_NAME}:\n{template}"
    for group in parser._action_groups:
        if group.description == _mintpy_cli.STEP_HELP:
            group.description = _step_help()
    return parser


@contextlib.contextmanager
def _with_denoise_step():
    """Run MintPy's smallbaselineApp CLI and workflow with the added step.

    ``mintpy.cli.smallbaselineApp.cmd_line_parse`` validates the step options against its
    module-level ``STEP_LIST`` and builds its parser with its ``create_parser``, and
    ``mintpy.smallbaselineApp.run_smallbaselineApp`` instantiates its module-level
    ``TimeSeriesAnalysis``: swapping these three names for the duration of the call reuses all
    of MintPy's code (template checks, ``-H``, ``-g``, ``--plot``, step selection, plotting)
    instead of copying it.
    """
    import mintpy.smallbaselineApp as workflow

    with mock.patch.object(_mintpy_cli, "STEP_LIST", STEP_LIST), \
            mock.patch.object(_mintpy_cli, "create_parser", create_parser), \
            mock.patch.object(workflow, "TimeSeriesAnalysis", TimeSeriesAnalysisAE):
        yield


class TimeSeriesAnalysisAE(TimeSeriesAnalysis):
    """MintPy's small-baseline workflow with the ``denoise_ae`` step.

    Used from Python like MintPy's class::

        app = TimeSeriesAnalysisAE("MyProject.txt", "./mintpy")
        app.open()
        app.run(["velocity"])      # MintPy's steps work as usual
        app.run(["denoise_ae"])    # a lone denoise_ae runs even when not enabled
    """

    def run(self, steps):
        """Run ``steps`` in order; ``denoise_ae`` here, the others by MintPy."""
        steps = list(steps)
        requested = steps == [STEP_NAME]
        for sname in steps:
            if sname == STEP_NAME:
                print(f"\n\n******************** step - {sname} ********************")
                self.run_denoise_ae(sname, force=requested)
            else:
                super().run([sname])

    def denoise_inputs(self):
        """(time-series file, geometry file) the step reads: the files ``velocity`` reads."""
        from mintpy.utils import utils as ut

        ts_file = self.get_timeseries_filename(self.template, self.workDir)["velocity"]["input"]
        geom_file = ut.check_loaded_dataset(self.workDir, print_msg=False)[1]
        return ts_file, geom_file

    def denoise_templates(self):
        """The templates whose ``mintpy.aedenoise.*`` keys the step reads, later ones overriding.

        ``smallbaselineApp.cfg`` then the custom template of this run. A run not given a custom
        template (``smallbaselineApp_ae.py --dostep denoise_ae`` in the work folder, or naming
        ``smallbaselineApp.cfg``) reads the one an earlier run backed up into ``inputs/``
        (:func:`mintpy_aedenoise.config.work_folder_templates`), as ``aedenoise.py WORK_DIR``
        does: MintPy copies only its own keys into ``smallbaselineApp.cfg``.
        """
        if self.customTemplateFile:
            return [t for t in (self.templateFile, self.customTemplateFile) if t]
        backed_up = [t for t in work_folder_templates(self.workDir)
                     if os.path.basename(t) != "smallbaselineApp.cfg"]
        return [t for t in (self.templateFile, *backed_up) if t]

    def run_denoise_ae(self, step_name, force=False):
        """Denoise the final time series with the auto-encoder into ``mintpy.aedenoise.outFile``.

        Parameters
        ----------
        step_name : str
            ``denoise_ae``.
        force : bool
            Run even when ``mintpy.aedenoise.enable`` is no (``--dostep denoise_ae``).

        Returns
        -------
        str or None
            The output file, or None when the step is off.
        """
        templates = self.denoise_templates()
        others = [opt.name for opt in OPTIONS if opt.name != "enable"]
        enable = read_template_options(templates, work_dir=self.workDir, skip=others)["enable"]
        if not (enable or force):
            print(f"auto-encoder denoising is OFF ({PREFIX}enable = no), skip step {step_name}.")
            return None

        from ..denoise import DenoiseConfig, run

        logger.info("%s: templates %s", step_name, ", ".join(templates) or "none (auto values)")
        options = read_template_options(templates, work_dir=self.workDir, skip=("enable",))
        ts_file, geom_file = self.denoise_inputs()
        config = DenoiseConfig(ts_file=ts_file, geom_file=geom_file, update_mode=True, **options)
        logger.info("%s: %s", step_name, config)
        return run(config)


def cmd_line_parse(iargs=None):
    """MintPy's smallbaselineApp command-line parsing with :data:`STEP_LIST`."""
    with _with_denoise_step():
        return _mintpy_cli.cmd_line_parse(iargs)


def main(iargs=None):
    """Run smallbaselineApp_ae.py with command-line arguments ``iargs``."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    with _with_denoise_step():
        _mintpy_cli.main(iargs)


if __name__ == "__main__":
    main(sys.argv[1:])
