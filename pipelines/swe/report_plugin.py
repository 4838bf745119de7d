"""The grader's pytest plugin, put into grading sandboxes (not imported by the factory). The runner
(`test_runner.py`) builds it before pytest imports any of the repository's code and hands it to
`pytest.main` as an object: nothing names it on the command line or in the environment.

Besides one outcome per test id it records tampering it can see at run time: a function or class
of pytest/pluggy that is no longer the one it was before the session, a plugin registered from
outside pytest and the repository's conftest files, a test whose code object changed after
collection. Code under test shares this interpreter, so this is a tripwire, not a wall; the static
check on the diff (`tampering.py`) refuses what reaches for these internals in the first place."""

import inspect
import os
import sys

WATCHED = ("_pytest", "pytest", "pluggy")


def _rank(outcome):
    return {"passed": 0, "skipped": 1, "failed": 2, "error": 3}[outcome]


def _internals():
    """(owner, name, object) for every function and class of pytest and pluggy, and for the
    callables and descriptors in those classes' own namespaces."""
    out = []
    for name, mod in list(sys.modules.items()):
        if mod is None or name.split(".")[0] not in WATCHED:
            continue
        for attr, val in list(vars(mod).items()):
            if not (inspect.isfunction(val) or isinstance(val, type)):
                continue
            out.append((mod, attr, val))
            if isinstance(val, type) and getattr(val, "__module__", None) == name:
                for a, v in list(vars(val).items()):
                    if inspect.isfunction(v) or isinstance(v, (classmethod, staticmethod, property)):
                        out.append((val, a, v))
    return out


def _defined_in(obj):
    """The file an object's code comes from, or None when it has none."""
    if isinstance(obj, (classmethod, staticmethod)):
        obj = obj.__func__
    elif isinstance(obj, property):
        obj = obj.fget
    code = getattr(obj, "__code__", None)
    if code is not None:
        return code.co_filename
    try:
        return inspect.getfile(obj if (inspect.ismodule(obj) or isinstance(obj, type)) else type(obj))
    except TypeError:
        return None


def _module_file(obj):
    """The module a plugin object was defined in (a module, a class, or an instance of a class)."""
    owner = obj if isinstance(obj, type) else type(obj)
    mod = obj if inspect.ismodule(obj) else sys.modules.get(getattr(owner, "__module__", "") or "")
    return getattr(mod, "__name__", ""), getattr(mod, "__file__", "") or ""


class Reporter:
    def __init__(self, allowed_plugins=(), changed_files=()):
        self.tests, self.errors, self.tampering = {}, [], []
        self._allowed = set(allowed_plugins)
        # changed file -> the tampering families its baseline already had (six's importer is six's)
        self._changed = {os.path.abspath(p): set(had) for p, had in dict(changed_files or {}).items()}
        self._baseline = _internals()
        self._dirs = [os.path.dirname(os.path.abspath(sys.modules[m].__file__)) + os.sep
                      for m in WATCHED if getattr(sys.modules.get(m), "__file__", None)]
        self._codes = {}
        self._finders = {id(f) for f in (*sys.meta_path, *sys.path_hooks)}

    # -- tripwires ---------------------------------------------------------------------------
    def _flag(self, what):
        if what not in self.tampering:
            self.tampering.append(what)

    def _check_internals(self):
        for owner, attr, obj in self._baseline:
            now = vars(owner).get(attr)
            # pytest patches itself too (legacypath swaps Config methods in at configure time): a
            # replacement defined inside pytest's or pluggy's own files is theirs
            if now is not obj and not self._from_runner(now) and self._suspect(now, "test_runner"):
                self._flag(f"pytest_internals:{getattr(owner, '__name__', '?')}.{attr}")

    def _suspect(self, obj, family):
        """Defined by the patch: in a file it changed that did not already do this kind of thing, or
        in no file at all (exec'd text). A change made by the repository's own code (toolz's tlz
        installs an import hook; so does six, in the file a fix changes) is the instance's."""
        path = _defined_in(obj)
        if path is None or not os.path.isfile(path):
            return True
        had = self._changed.get(os.path.abspath(path))
        return had is not None and family not in had

    def _from_runner(self, obj, extra=()):
        if isinstance(obj, (classmethod, staticmethod)):
            obj = obj.__func__
        elif isinstance(obj, property):
            obj = obj.fget
        code = getattr(obj, "__code__", None)
        try:
            path = code.co_filename if code is not None else inspect.getfile(obj)
        except TypeError:
            return False
        return any(os.path.abspath(path).startswith(d) for d in (*self._dirs, *extra))

    def _check_import_hooks(self):
        for f in (*sys.meta_path, *sys.path_hooks):
            if id(f) in self._finders:
                continue
            modname, path = _module_file(f)
            stdlib = os.path.dirname(os.path.abspath(os.__file__)) + os.sep
            owner = type(f) if not inspect.isfunction(f) else f
            if not self._from_runner(owner, (stdlib,)) and self._suspect(owner, "import_state"):
                self._flag(f"import_hook:{modname or type(f).__name__}")

    def _check_plugins(self, config):
        for name, plugin in config.pluginmanager.list_name_plugin():
            if plugin is None or plugin is self:
                continue
            modname, path = _module_file(plugin)
            if modname.split(".")[0] in WATCHED or os.path.basename(path) == "conftest.py":
                continue
            if modname in self._allowed or name in self._allowed or not self._suspect(plugin, "test_runner"):
                continue
            self._flag(f"plugin:{modname or name}")

    # -- pytest hooks ------------------------------------------------------------------------
    def pytest_collection_finish(self, session):
        for item in session.items:
            fn = getattr(item, "obj", None)
            code = getattr(inspect.unwrap(fn), "__code__", None) if callable(fn) else None
            if code is not None:
                self._codes[item.nodeid] = (fn, code)

    def pytest_runtest_call(self, item):
        held = self._codes.get(item.nodeid)
        if held is not None and getattr(inspect.unwrap(held[0]), "__code__", None) is not held[1]:
            self._flag(f"test_replaced:{item.nodeid}")

    def pytest_runtest_logreport(self, report):
        if report.when == "call":
            outcome = "skipped" if report.skipped else report.outcome  # an xfail counts as skipped
            self._check_internals()
            self._check_import_hooks()
        elif report.failed:
            outcome = "error"
        elif report.skipped:
            outcome = "skipped"
        else:
            return
        prev = self.tests.get(report.nodeid)
        if prev is None or _rank(outcome) > _rank(prev["outcome"]):
            text = report.longreprtext if outcome in ("failed", "error") else ""
            self.tests[report.nodeid] = {"outcome": outcome, "message": "\n".join(text.splitlines()[-12:])[:1500]}

    def pytest_collectreport(self, report):
        if report.failed:
            self.errors.append({"nodeid": report.nodeid, "message": report.longreprtext[-1500:]})

    def pytest_sessionfinish(self, session, exitstatus):
        self._check_internals()
        self._check_import_hooks()
        self._check_plugins(session.config)

    def result(self, exitstatus):
        return {"tests": self.tests, "collect_errors": self.errors, "exitstatus": int(exitstatus),
                "tampering": self.tampering}
