import sys
import threading

threading.Timer(1, eval, args=(sys.argv[1],)).start()
