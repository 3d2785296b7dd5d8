"""The base every layer stands on: settings, errors, formats, URL shapes, namespaces, the LRU."""
