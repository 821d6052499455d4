"""The demo ward, Phường Bình Đông: a fictional org chart, its bearer tokens and, unless only the
org chart is asked for, a few months of realistic submissions so every screen has something."""
