# t202: state outside /data that container 1 changes.
echo "passwd: $(wc -l </etc/passwd) lines, last $(tail -n 1 /etc/passwd | cut -d: -f1)"
if [ -L /bin/vi ]; then echo "vi: present"; else echo "vi: absent"; fi
if [ -e /t202-done ]; then echo "done-marker: present"; else echo "done-marker: absent"; fi
