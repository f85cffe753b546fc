# t202: the command of container 1. The first start makes the changes (modify.sh, plus a line
# appended to /etc/passwd and the /bin/vi symlink removed); every start then prints the state
# (show.sh, extra.sh).
if [ ! -e /t202-done ]; then
	sh /t202/modify.sh /data || exit 1
	echo 't202:x:202:202::/:/bin/sh' >>/etc/passwd
	rm /bin/vi
	: >/t202-done
fi
sh /t202/show.sh /data
sh /t202/extra.sh
