import platform
import sys

print(f"python {sys.version_info.major}.{sys.version_info.minor} on {platform.machine()}")
