"""Name → class tables behind ``activations.get``, ``losses.get``, ``init.get``, ``optim.get`` and
``schedules.get``, and the base of the objects that are saved by name and config."""


class Configurable:
    """An object rebuilt from its ``name`` and ``get_config()`` (its constructor arguments)."""

    name = "configurable"

    def get_config(self):
        """The constructor arguments, as a JSON-friendly dict."""
        return {}

    def same_config(self, other):
        return type(self) is type(other) and self.get_config() == other.get_config()

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


def check_implemented(value, base, argname, required, example):
    """Refuse an instance of the abstract ``base`` itself (``example`` says what to pass instead), or of a subclass that leaves a method of
    ``required`` as the base's (a name, or a tuple of names of which one suffices), so it fails
    here with a TypeError naming ``argname`` instead of with an empty NotImplementedError later."""
    cls, where = type(value), f"{base.__module__}.{base.__name__}"
    if cls is base:
        raise TypeError(f"{argname}: {where} is an abstract base class; pass {example} or an instance "
                        f"of one of its subclasses")
    for names in required:
        names = (names,) if isinstance(names, str) else names
        if all(getattr(cls, n, None) is getattr(base, n) for n in names):
            raise TypeError(f"{argname}: {cls.__name__} does not implement "
                            f"{' or '.join(n + '()' for n in names)}, which every {where} needs")
    return value


class Registry:
    """Looks up ``kind`` objects by name (case-insensitive, with aliases) or passes instances through.

    ``required`` names the methods a subclass of ``base`` must implement (a tuple of names: one of
    them); an instance that does not, or of ``base`` itself, is refused.
    """

    def __init__(self, kind, base, classes, aliases=None, required=()):
        self.kind, self.base = kind, base
        self.classes = {cls.name: cls for cls in classes}
        self.aliases = aliases or {}
        self.names = tuple(self.classes)
        self.required = required

    def get(self, value, argname):
        """An instance of ``base`` for a registered name, or ``value`` itself if it is one."""
        if isinstance(value, self.base):
            return check_implemented(value, self.base, argname, self.required,
                                     f"a name such as {self.names[1]!r}")
        if isinstance(value, str):
            key = value.strip().lower()
            key = self.aliases.get(key, key)
            if key in self.classes:
                return self.classes[key]()
            raise ValueError(f"{argname}: unknown {self.kind} {value!r}; expected one of {', '.join(self.names)}")
        article = "an" if self.kind[0] in "aeiou" else "a"
        raise TypeError(f"{argname}: expected {article} {self.kind} name (str) or {self.base.__module__}.{self.base.__name__}, "
                        f"got {type(value).__name__}")

    def registered(self, value):
        """True when ``value`` is an instance of one of the registered classes itself (not of a
        subclass), so that its name and config rebuild it."""
        return type(value) is self.classes.get(getattr(value, "name", None))

    def from_config(self, name, config):
        """Rebuild an object from its ``name`` and ``get_config()`` (used by ffnn.load)."""
        if not isinstance(name, str) or name not in self.classes:
            raise ValueError(f"{self.kind}: unknown {self.kind} {name!r} in saved model")
        if not isinstance(config, dict):
            raise TypeError(f"{self.kind}: expected its config as a dict, got {type(config).__name__}")
        return self.classes[name](**config)
