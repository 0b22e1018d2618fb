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


class Registry:
    """Looks up ``kind`` objects by name (case-insensitive, with aliases) or passes instances through."""

    def __init__(self, kind, base, classes, aliases=None):
        self.kind, self.base = kind, base
        self.classes = {cls.name: cls for cls in classes}
        self.aliases = aliases or {}
        self.names = tuple(self.classes)

    def get(self, value, argname):
        """An instance of ``base`` for a registered name, or ``value`` itself if it is one."""
        if isinstance(value, self.base):
            return value
        if isinstance(value, str):
            key = value.strip().lower()
            key = self.aliases.get(key, key)
            if key in self.classes:
                return self.classes[key]()
            raise ValueError(f"{argname}: unknown {self.kind} {value!r}; expected one of {', '.join(self.names)}")
        article = "an" if self.kind[0] in "aeiou" else "a"
        raise TypeError(f"{argname}: expected {article} {self.kind} name (str) or {self.base.__module__}.{self.base.__name__}, "
                        f"got {type(value).__name__}")

    def from_config(self, name, config):
        """Rebuild an object from its ``name`` and ``get_config()`` (used by ffnn.load)."""
        if name not in self.classes:
            raise ValueError(f"{self.kind}: unknown {self.kind} {name!r} in saved model")
        return self.classes[name](**config)
